"""Benchmarks: `python -m bench` (or `make bench`) measures the service against real PostgreSQL,
Redis, Celery workers and an SMTP server, and writes the figures to bench/results.json and
docs/performance.md."""
