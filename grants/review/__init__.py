"""The staff's side of applications: queues, checks, scores, decisions, payments."""
