"""Development data: the demo world (`flask demo seed`, loaded by `make run`) and the national-scale
dataset (`flask scale-data generate`, measured by the benchmark). Not part of the service: no
production module imports it (an import-linter contract says so), and its `flask` commands reach
the CLI through the `flask.commands` entry points in pyproject.toml."""
