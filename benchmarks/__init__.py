"""Reproducible benchmarks. ``python -m benchmarks`` runs every module in :data:`BENCHMARKS`.

Each module is runnable on its own as ``python -m benchmarks.<name>`` with a ``--quick``
flag for a small run, prints what it measured and the limit measured in the same run, and
has its results recorded in ``benchmarks/RESULTS.md``. Add yours to the list.
"""

BENCHMARKS: list[str] = ["catalog", "rules", "publish", "drop_to_live", "watch_drop", "gui_scale"]
BENCHMARKS.append("ingest")
BENCHMARKS.append("exporters")
