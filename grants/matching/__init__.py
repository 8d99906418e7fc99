"""Staff matching experts to approved work."""
