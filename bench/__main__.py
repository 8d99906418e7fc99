"""`python -m bench [name …]`: run every benchmark (or the ones named), then write each one's
figures to bench/results.json and its table to docs/performance.md.

A benchmark that fails is reported and the others still run; the exit status is 1 if any failed,
and a failed benchmark leaves the figures of its last good run in place.
"""

from __future__ import annotations

import argparse
import shutil
import signal
import sys
import time
import traceback
from types import ModuleType
from typing import Any

from bench import matching, notifications, pages
from bench.common import (
    LOGS,
    PERFORMANCE_DOC,
    RESULTS,
    load_average,
    machine,
    say,
    update_doc_section,
    write_results,
)

# In the order they run. Each module has NAME, run() -> figures and report(figures) -> Markdown.
BENCHMARKS: dict[str, ModuleType] = {module.NAME: module for module in (notifications, matching, pages)}


def _stop_on_sigterm(signum: int, frame: Any) -> None:
    # Turned into an exception so that every worker, server and database is cleaned up on the way out.
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("names", nargs="*", metavar="name", help=f"benchmarks to run: {', '.join(BENCHMARKS)}")
    args = parser.parse_args(argv)
    unknown = [name for name in args.names if name not in BENCHMARKS]
    if unknown:
        parser.error(f"no benchmark called {', '.join(unknown)}; there are: {', '.join(BENCHMARKS)}")
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    shutil.rmtree(LOGS, ignore_errors=True)
    LOGS.mkdir(parents=True)

    host = machine()
    say(f"{host['cores']} cores, {host['ram_gib']} GiB, Python {host['python']}, PostgreSQL {host['postgresql']}")
    failed = []
    for name in args.names or list(BENCHMARKS):
        module = BENCHMARKS[name]
        started, load_before = time.perf_counter(), load_average()
        try:
            figures = module.run()
        except Exception:
            traceback.print_exc()
            say(f"{name}: FAILED; logs in {LOGS}")
            failed.append(name)
            continue
        figures = {
            "machine": host,
            **figures,
            "benchmark_seconds": round(time.perf_counter() - started, 1),
            "load_average_before": load_before,
            "load_average_after": load_average(),
        }
        figures = write_results(name, figures)
        update_doc_section(name, module.report(figures))
        say(f"{name}: done in {figures['benchmark_seconds']} s")
        print(module.report(figures))
    say(f"figures in {RESULTS.relative_to(RESULTS.parents[1])} and {PERFORMANCE_DOC.relative_to(RESULTS.parents[1])}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
