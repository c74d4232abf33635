"""Run every benchmark: ``python -m benchmarks [--quick] [name ...]``.

Each benchmark runs in its own interpreter (``python -m benchmarks.<name>``), so one's
memory and caches never colour another's numbers. Exit status: 1 if any benchmark failed.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

from benchmarks import BENCHMARKS


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small runs (for a smoke test)")
    parser.add_argument("names", nargs="*", help=f"which to run (default: all of {BENCHMARKS})")
    args = parser.parse_args()
    unknown = [n for n in args.names if n not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}")
    failed = []
    for name in args.names or BENCHMARKS:
        print(f"=== benchmarks.{name}{' (quick)' if args.quick else ''}", flush=True)
        started = time.perf_counter()
        command = [sys.executable, "-m", f"benchmarks.{name}"] + (["--quick"] if args.quick else [])
        result = subprocess.run(command, check=False)
        print(f"=== {name}: exit {result.returncode} in {time.perf_counter() - started:.1f} s")
        if result.returncode != 0:
            failed.append(name)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
