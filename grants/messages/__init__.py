"""Messages shown to each signed-in person in the service."""
