"""Benchmark: filename rules over 100,000 names against 20 rules (target: under 1 s).

Measured in one run:

- ``limit``: one precompiled regex ``fullmatch`` per name (the floor for any regex matcher);
- ``match``: ``RuleSet.match_many`` with 10,000 known SKUs (what ingest and rematch do);
- ``test --json``: match plus every explanation and the JSON rows (what ``rules test`` shows);
- ``cli``: ``pimdesk rules test - --json`` reading the names from stdin, end to end
  (library open, rules loaded, output written), in a fresh library with the known products.

Run: ``python -m benchmarks.rules`` (``--quick`` for 10,000 names).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pimdesk.rules import DEFAULT_RULES, RuleSpec, build_ruleset

TARGET_SECONDS = 1.0
EXTRA_RULES = [
    RuleSpec("studio", "{sku}__{role}__{position}.{ext}"),
    RuleSpec("studio_locale", "{sku}__{locale}__{role}.{ext}"),
    RuleSpec("shoot_prefix", "SHOOT{ignore}_{sku}_{role}.{ext}"),
    RuleSpec("dated", "{ignore}-{sku}-{role}-{position}.{ext}"),
    RuleSpec("manual", "{sku}_manual_{locale}.pdf"),
    RuleSpec("akeneo", r"/^(?<product_ref>[A-Z]{3}\d{4})~(?<position>\d+)\.jpe?g$/i", "regex"),
    RuleSpec("py_regex", r"^(?P<sku>PRD\d{6})\.(?P<role>\w+)\.(?P<position>\d+)\.png$", "regex"),
    RuleSpec("swatch_folder", "swatches/{sku}.{ext}"),
    RuleSpec("legacy", r"^OLD-(?P<sku>\d+)-(?P<ignore>[a-z]+)\.tif$", "regex"),
]
ROLES = ["front", "back", "side", "detail", "f", "b", "ls", "pkg"]


def make_names(count: int, skus: list[str], rng: random.Random) -> list[str]:
    makers = [
        lambda s: f"{s}_{rng.choice(ROLES)}_{rng.randint(1, 9)}.jpg",
        lambda s: f"{s}_{rng.choice(ROLES)}.jpg",
        lambda s: f"{s}-{rng.choice(ROLES)}.JPG",
        lambda s: f"{s}_{rng.randint(1, 12)}.png",
        lambda s: f"{s}.jpg",
        lambda s: f"{s}/IMG_{rng.randint(1000, 9999)}.jpg",
        lambda s: f"{s}.PT0{rng.randint(1, 8)}.jpg",
        lambda s: f"{s}__{rng.choice(ROLES)}__{rng.randint(1, 5)}.webp",
        lambda s: f"unsorted/DSC{rng.randint(10000, 99999)}",  # no rule: inbox
        lambda s: f"UNKNOWN-{rng.randint(1, 10**6)}_front.jpg",  # unknown SKU
    ]
    return [rng.choice(makers)(rng.choice(skus)) for _ in range(count)]


def _plain(spec: RuleSpec) -> str:
    """A rule's regex without group names (so 20 of them fit in one alternation)."""
    rule = build_ruleset([spec]).rules[0]
    return re.sub(r"\(\?P<\w+>", "(?:", rule.regex.pattern)


def timed(func, repeat: int = 3) -> float:  # type: ignore[no-untyped-def]
    """CPU seconds of the best of ``repeat`` runs: the machine is shared, and CPU time of
    the best run is what other processes disturb least."""
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        func()
        best = min(best, time.process_time() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="10,000 names instead of 100,000")
    parser.add_argument("--no-cli", action="store_true", help="skip the end-to-end CLI run")
    args = parser.parse_args()
    count = 10_000 if args.quick else 100_000
    rng = random.Random(7)
    skus = [f"{rng.choice(['WB', 'TEE', 'AB_1', 'MUG'])}-{n:05d}" for n in range(10_000)]
    names = make_names(count, skus, rng)
    specs = [*DEFAULT_RULES, *EXTRA_RULES]
    assert len(specs) == 20

    ruleset = build_ruleset(specs)
    # The limit: one regex call per name that tells which of the 20 rules matches (all of
    # them as one alternation), with no fields, lookups or results: the floor for any
    # matcher written on Python's re.
    floor = re.compile("|".join(f"(?P<r{n}>{_plain(spec)})" for n, spec in enumerate(specs)))
    limit = timed(lambda: [floor.fullmatch(n.rpartition("/")[2]) for n in names])
    results: list = []
    match = timed(lambda: results.__setitem__(slice(None), ruleset.match_many(names, skus)))
    explain = timed(lambda: json.dumps([r.to_json() for r in results]), repeat=1)
    linked = sum(r.action == "link" for r in results)
    print(f"names: {count:,}  rules: {len(specs)}  known SKUs: {len(skus):,}  linked: {linked:,}")
    print(f"limit (one alternation call): {limit:7.3f} s CPU")
    print(
        f"match (RuleSet.match_many):   {match:7.3f} s CPU = {match / limit:4.1f}x the limit,"
        f" {match / TARGET_SECONDS:4.2f}x the 1 s target"
    )
    print(
        f"match + explanations + JSON:  {match + explain:7.3f} s CPU"
        f" = {(match + explain) / TARGET_SECONDS:4.2f}x the 1 s target"
    )
    if args.no_cli:
        return
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "lib"
        from pimdesk.catalog.models import Product
        from pimdesk.library import Library
        from pimdesk.services.rules import add_rule

        with Library.open(root) as library:
            with library.session() as session:
                session.add_all(Product(sku=sku) for sku in skus)
            for spec in EXTRA_RULES:
                add_rule(library, spec.name, spec.pattern, spec.kind)
        stdin = "\n".join(names).encode()
        command = [sys.executable, "-m", "pimdesk", "--library", str(root), "rules", "test", "-"]
        for label, extra in (
            ("cli rules test -        ", []),
            ("cli rules test - --json ", ["--json"]),
        ):
            start = time.perf_counter()
            done = subprocess.run(command + extra, input=stdin, capture_output=True, check=True)
            took = time.perf_counter() - start
            print(f"{label}:  {took:7.3f} s end to end ({len(done.stdout) / 1e6:.0f} MB output)")


if __name__ == "__main__":
    main()
