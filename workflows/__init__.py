"""The domain rules: operations that change state, and the Celery tasks that move work on.

Operations flush and never commit: the caller (a view, a command or a task) owns the transaction.
"""
