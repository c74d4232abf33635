"""Benchmark: a 100,000-product catalog (import, search, export) against its limits.

One run generates ``catalog.csv`` in Akeneo's grammar: 100,000 products, of which 20,000
are variants (by size) under 5,000 product models, names and descriptions in en_US and
de_DE, prices in USD and EUR, weights, valid GTINs, colours. Then, in the same run:

- **import**: ``import_file`` into a fresh library, in a child process whose peak memory
  is its ``resource.getrusage(RUSAGE_SELF).ru_maxrss`` (the whole process: interpreter,
  pimdesk, SQLAlchemy and the import itself);
- **limit**: plain ``sqlite3`` ``executemany`` of the same rows (CSV read, one JSON value
  document per product or model, the same FTS5 rows) into an equivalent schema, in a
  child process too;
- **search**: p50/p95 over 200 varied queries (exact SKUs, SKU starts, words, partial
  words, two words, German words, operator soup) through ``services.search.search``;
- **export**: ``export_file`` of the whole catalog to CSV.

Targets: import <= 5x the limit, search p95 <= 20 ms, export <= 10 s, import peak <= 1 GiB.

Run: ``python -m benchmarks.catalog`` (``--quick``: 10,000 products, 2,000 variants under
500 models). ``--keep DIR`` keeps the generated files and libraries there.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import random
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TARGET_RATIO = 5.0
TARGET_SEARCH_P95_MS = 20.0
TARGET_EXPORT_S = 10.0
TARGET_PEAK_MIB = 1024.0

SIZES = ["s", "m", "l", "xl"]
COLORS = ["black", "white", "red", "blue", "green", "grey", "navy", "sand"]
ADJECTIVES = [
    ("classic", "klassisch"),
    ("compact", "kompakt"),
    ("premium", "hochwertig"),
    ("rustic", "rustikal"),
    ("modern", "modern"),
    ("vintage", "vintage"),
    ("insulated", "isoliert"),
    ("folding", "faltbar"),
    ("heavy", "schwer"),
    ("light", "leicht"),
    ("organic", "biologisch"),
    ("waterproof", "wasserdicht"),
]
MATERIALS = [
    ("steel", "Stahl"),
    ("cotton", "Baumwolle"),
    ("linen", "Leinen"),
    ("oak", "Eiche"),
    ("ceramic", "Keramik"),
    ("glass", "Glas"),
    ("leather", "Leder"),
    ("bamboo", "Bambus"),
    ("wool", "Wolle"),
    ("copper", "Kupfer"),
]
NOUNS = [
    ("kettle", "Wasserkocher"),
    ("bottle", "Flasche"),
    ("backpack", "Rucksack"),
    ("tote", "Tragetasche"),
    ("shirt", "Hemd"),
    ("skillet", "Pfanne"),
    ("mug", "Becher"),
    ("teapot", "Teekanne"),
    ("board", "Brett"),
    ("knife", "Messer"),
    ("apron", "Schürze"),
    ("bowl", "Schüssel"),
    ("jacket", "Jacke"),
    ("lamp", "Lampe"),
    ("blanket", "Decke"),
    ("sneaker", "Turnschuh"),
    ("wallet", "Geldbörse"),
    ("candle", "Kerze"),
    ("planter", "Pflanzkübel"),
    ("towel", "Handtuch"),
]
PHRASES_EN = [
    "made to last for years",
    "easy to clean",
    "designed in Portland",
    "for everyday use",
    "with a lifetime warranty",
    "packed in recycled cardboard",
    "tested by our team",
    "fits most kitchens",
    "great as a gift",
    "ships within two days",
]
PHRASES_DE = [
    "für viele Jahre gemacht",
    "leicht zu reinigen",
    "in Hamburg entworfen",
    "für den täglichen Gebrauch",
    "mit lebenslanger Garantie",
    "in Recyclingkarton verpackt",
    "von unserem Team getestet",
    "passt in die meisten Küchen",
    "ein schönes Geschenk",
    "versandfertig in zwei Tagen",
]
HEADER = [
    "sku",
    "code",
    "family",
    "family_variant",
    "parent",
    "enabled",
    "name-en_US",
    "name-de_DE",
    "description-en_US-ecommerce",
    "description-de_DE-ecommerce",
    "price-USD",
    "price-EUR",
    "brand",
    "gtin",
    "weight",
    "weight-unit",
    "color",
    "size",
]


def gtin13(body12: str) -> str:
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body12))
    return body12 + str((10 - total % 10) % 10)


@dataclass
class Generated:
    path: Path
    products: int
    variants: int
    models: int
    skus: list[str]
    words: list[str]
    german: list[str]


def _texts(rng: random.Random) -> tuple[str, str, str, str, str]:
    adj, material, noun = rng.choice(ADJECTIVES), rng.choice(MATERIALS), rng.choice(NOUNS)
    number = rng.randint(1, 999)
    name_en = f"{adj[0].capitalize()} {material[0]} {noun[0]} {number}"
    name_de = f"{noun[1]} {adj[1]} aus {material[1]} {number}"
    desc_en = (
        f"A {adj[0]} {noun[0]} in {material[0]}, {rng.choice(PHRASES_EN)}. "
        f"{rng.choice(PHRASES_EN).capitalize()}, and {rng.choice(PHRASES_EN)}."
    )
    desc_de = (
        f"{noun[1]} {adj[1]} aus {material[1]}, {rng.choice(PHRASES_DE)}. "
        f"{rng.choice(PHRASES_DE).capitalize()} und {rng.choice(PHRASES_DE)}."
    )
    return name_en, name_de, desc_en, desc_de, noun[0][:2].upper()


def generate(
    path: Path, products: int, models: int, variants_per_model: int, seed: int = 7
) -> Generated:
    """Write the catalog CSV: models first, then simple products and variants."""
    rng = random.Random(seed)
    variants = models * variants_per_model
    simple = products - variants
    skus: list[str] = []
    gtin_counter = 0

    def next_gtin() -> str:
        nonlocal gtin_counter
        gtin_counter += 1
        return gtin13(f"40{gtin_counter:010d}")

    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        model_codes = []
        for m in range(models):
            name_en, name_de, desc_en, desc_de, prefix = _texts(rng)
            code = f"{prefix}M-{m:05d}"
            model_codes.append((code, rng.choice(COLORS)))
            writer.writerow(
                [
                    "",
                    code,
                    "default",
                    "by_size",
                    "",
                    "",
                    name_en,
                    name_de,
                    desc_en,
                    desc_de,
                    "",
                    "",
                    "Acme Goods",
                    "",
                    "",
                    "",
                    "",
                    "",
                ]
            )
        for n in range(simple):
            name_en, name_de, desc_en, desc_de, prefix = _texts(rng)
            sku = f"{prefix}-{n:06d}-{rng.choice(COLORS)[:2].upper()}"
            skus.append(sku)
            usd = rng.randint(500, 25000) / 100
            writer.writerow(
                [
                    sku,
                    "",
                    "default",
                    "",
                    "",
                    "1",
                    name_en,
                    name_de,
                    desc_en,
                    desc_de,
                    f"{usd:.2f}",
                    f"{usd * 0.92:.2f}",
                    rng.choice(["Acme Goods", "Northwind", "Globex"]),
                    next_gtin(),
                    str(rng.randint(50, 5000)),
                    "GRAM",
                    rng.choice(COLORS),
                    "",
                ]
            )
        for code, _color in model_codes:
            usd = rng.randint(500, 25000) / 100
            for size in SIZES[:variants_per_model]:
                sku = f"{code}-{size.upper()}"
                skus.append(sku)
                writer.writerow(
                    [
                        sku,
                        "",
                        "default",
                        "",
                        code,
                        "1",
                        "",
                        "",
                        "",
                        "",
                        f"{usd:.2f}",
                        f"{usd * 0.92:.2f}",
                        "",
                        next_gtin(),
                        str(rng.randint(50, 5000)),
                        "GRAM",
                        "",
                        size,
                    ]
                )
    words = [w for triple in (ADJECTIVES, MATERIALS, NOUNS) for w, _ in triple]
    german = [de for triple in (ADJECTIVES, MATERIALS, NOUNS) for _, de in triple]
    return Generated(path, products, variants, models, skus, words, german)


# -- the library under test ---------------------------------------------------------------


def prepare_library(root: Path) -> None:
    """A fresh library with what the CSV needs: de_DE, EUR, size options, a variant family."""
    from pimdesk.catalog.models import Channel
    from pimdesk.library import Library
    from pimdesk.services import reference

    with Library.open(root) as library, library.session() as s:
        reference.enable_locale(s, "de_DE")
        reference.enable_currency(s, "EUR")
        channel = s.query(Channel).filter_by(code="ecommerce").one()
        channel.locales = ["en_US", "de_DE"]
        channel.currencies = ["USD", "EUR"]
        reference.add_options(s, "size", [(c, {"en_US": c.upper()}) for c in SIZES])
        reference.add_options(s, "color", [(c, {"en_US": c.capitalize()}) for c in COLORS])
        reference.add_family_variant(
            s,
            "by_size",
            family="default",
            axes_level1=["size"],
            attributes_level1=["sku", "price", "gtin", "weight"],
        )


def child_import(root: str, csv_path: str, profile: str | None) -> None:
    """Runs in a child process: import, then report time and this process's peak memory."""
    from pimdesk.library import Library
    from pimdesk.services.imports import import_file

    with Library.open(Path(root)) as library:
        started, started_cpu = time.perf_counter(), time.process_time()
        if profile:
            import cProfile

            profiler = cProfile.Profile()
            report = profiler.runcall(import_file, library, csv_path, format="akeneo")
            profiler.dump_stats(profile)
        else:
            report = import_file(library, csv_path, format="akeneo")
        seconds = time.perf_counter() - started
        cpu = time.process_time() - started_cpu
    print(
        json.dumps(
            {
                "seconds": seconds,
                "cpu_seconds": cpu,
                "maxrss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "created": report.created,
                "models_created": report.models_created,
                "rejected": report.rejected,
            }
        )
    )


# -- the limit ----------------------------------------------------------------------------

LIMIT_SCHEMA = """
CREATE TABLE product_model (id INTEGER PRIMARY KEY, code TEXT UNIQUE NOT NULL,
    family TEXT, family_variant TEXT, parent_id INTEGER REFERENCES product_model(id),
    "values" TEXT NOT NULL);
CREATE TABLE product (id INTEGER PRIMARY KEY, sku TEXT UNIQUE NOT NULL, family TEXT,
    parent_id INTEGER REFERENCES product_model(id), enabled INTEGER NOT NULL,
    "values" TEXT NOT NULL, revision INTEGER NOT NULL DEFAULT 1);
CREATE INDEX ix_product_parent ON product(parent_id);
"""


def child_limit(db: str, csv_path: str) -> None:
    """The floor: read the same CSV, one JSON document per row, executemany, same FTS rows."""
    from pimdesk.catalog import search

    started, started_cpu = time.perf_counter(), time.process_time()
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.executescript(LIMIT_SCHEMA)
    conn.execute(
        "CREATE VIRTUAL TABLE product_search USING fts5(sku, sku_key, name, body, "
        f"labels UNINDEXED, tokenize = '{search.SQLITE_TOKENIZER}', "
        f"prefix = '{search.SQLITE_PREFIXES}')"
    )
    all_ = "<all_channels>"
    models: list[tuple[Any, ...]] = []
    products: list[tuple[Any, ...]] = []
    fts: list[tuple[Any, ...]] = []
    model_ids: dict[str, int] = {}
    model_text: dict[str, tuple[str, str]] = {}
    with open(csv_path, newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        next(reader)
        for row in reader:
            (sku, code, family, fvariant, parent, _enabled, n_en, n_de, d_en, d_de,
             usd, eur, brand, gtin, weight, unit, color, size) = row  # fmt: skip
            values: dict[str, Any] = {}
            if n_en:
                values["name"] = {all_: {"en_US": n_en, "de_DE": n_de}}
            if d_en:
                values["description"] = {"ecommerce": {"en_US": d_en, "de_DE": d_de}}
            if usd:
                values["price"] = {
                    all_: {"<all_locales>": [
                        {"amount": eur, "currency": "EUR"}, {"amount": usd, "currency": "USD"}
                    ]}
                }  # fmt: skip
            for attr, data in (("brand", brand), ("gtin", gtin), ("color", color), ("size", size)):
                if data:
                    values[attr] = {all_: {"<all_locales>": data}}
            if weight:
                values["weight"] = {all_: {"<all_locales>": {"amount": weight, "unit": unit}}}
            if not sku:
                model_ids[code] = len(model_ids) + 1
                model_text[code] = (f"{n_en}\n{n_de}", f"{d_en}\n{d_de}")
                models.append((model_ids[code], code, family, fvariant, None, json.dumps(values)))
                continue
            pid = len(products) + 1
            parent_id = model_ids.get(parent) if parent else None
            products.append((pid, sku, family, parent_id, 1, json.dumps(values)))
            names, body = (f"{n_en}\n{n_de}", f"{d_en}\n{d_de}")
            if parent:
                names, body = model_text[parent]
                body = f"{body}\n{brand}\n{gtin}\n{parent}"
            labels = json.dumps({"en_US": n_en or names.split("\n")[0]})
            fts.append((pid, sku, search.sku_key(sku), names, body, labels))
    conn.executemany("INSERT INTO product_model VALUES (?, ?, ?, ?, ?, ?)", models)
    conn.executemany("INSERT INTO product VALUES (?, ?, ?, ?, ?, ?, 1)", products)
    conn.executemany(
        "INSERT INTO product_search (rowid, sku, sku_key, name, body, labels) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        fts,
    )
    conn.commit()
    conn.close()
    seconds = time.perf_counter() - started
    print(
        json.dumps(
            {
                "seconds": seconds,
                "cpu_seconds": time.process_time() - started_cpu,
                "maxrss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "rows": len(products) + len(models),
            }
        )
    )


def _child(*args: str) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.catalog", *args],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"child {args[0]} failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


# -- search and export --------------------------------------------------------------------


def make_queries(data: Generated, rng: random.Random) -> list[str]:
    queries: list[str] = []
    queries += rng.sample(data.skus, 40)  # exact SKUs
    queries += [s[: rng.randint(4, 8)].lower() for s in rng.sample(data.skus, 40)]  # SKU starts
    queries += [rng.choice(data.words) for _ in range(40)]  # whole words
    queries += [w[: rng.randint(3, 5)] for w in rng.choices(data.words, k=30)]  # partial words
    queries += [
        f"{rng.choice(ADJECTIVES)[0]} {rng.choice(NOUNS)[0]}" for _ in range(30)
    ]  # two words
    queries += [rng.choice(data.german).lower() for _ in range(10)]  # German
    queries += [
        '"kettle',
        "steel AND",
        "NEAR(mug bottle)",
        "-oak",
        "*",
        "((board",
        "^lamp",
        "🙂 mug",
        "name:kettle",
        "OR NOT",
    ]
    return queries


def measure_search(root: Path, queries: list[str]) -> dict[str, Any]:
    from pimdesk.library import Library
    from pimdesk.services.search import search

    timings = []
    cpu = []
    hits = 0
    with Library.open(root) as library:
        for q in queries[:10]:  # warm the page cache once
            search(library, q, limit=50)
        for q in queries:
            started, started_cpu = time.perf_counter(), time.process_time()
            results = search(library, q, limit=50)
            timings.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
            hits += bool(results)
    timings.sort()
    cpu.sort()
    p95 = int(len(timings) * 0.95) - 1
    return {
        "queries": len(queries),
        "with_results": hits,
        "p50_ms": statistics.median(timings),
        "p95_ms": timings[p95],
        "max_ms": timings[-1],
        # CPU time of this process (SQLite runs in it): what the query costs, whatever
        # else the machine is doing; wall time is what a user waits.
        "cpu_p50_ms": statistics.median(cpu),
        "cpu_p95_ms": cpu[p95],
    }


def measure_export(root: Path, out: Path) -> dict[str, Any]:
    from pimdesk.library import Library
    from pimdesk.services.exports import export_file

    with Library.open(root) as library:
        started, started_cpu = time.perf_counter(), time.process_time()
        report = export_file(library, out)
        seconds = time.perf_counter() - started
        cpu = time.process_time() - started_cpu
    return {
        "seconds": seconds,
        "cpu_seconds": cpu,
        "products": report.products,
        "models": report.models,
    }


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{os.cpu_count()} cores ({cpu}), {mem:.0f} GiB RAM, Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}, {platform.system()} {platform.release()}"
    )


def _load() -> str:
    """1/5/15-minute load averages (other work on the machine inflates wall times)."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="10,000 products instead of 100,000")
    parser.add_argument("--keep", type=Path, help="keep the files in this folder")
    parser.add_argument("--profile", type=Path, help="write a cProfile of the import here")
    parser.add_argument("--child-import", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--child-limit", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_import:
        child_import(*args.child_import, os.environ.get("PIMDESK_BENCH_PROFILE"))
        return
    if args.child_limit:
        child_limit(*args.child_limit)
        return

    products, models = (10_000, 500) if args.quick else (100_000, 5_000)
    work = args.keep or Path(tempfile.mkdtemp(prefix="pimdesk-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"machine: {machine()}")
    print(f"load average at start: {_load()} (the machine may be shared: compare CPU ratios)")
    started = time.perf_counter()
    data = generate(work / "catalog.csv", products, models, 4)
    print(
        f"generated {data.products:,} products ({data.variants:,} variants under "
        f"{data.models:,} models) in {time.perf_counter() - started:.1f} s: {data.path} "
        f"({data.path.stat().st_size / 2**20:.1f} MiB)"
    )

    root = work / "library"
    prepare_library(root)
    if args.profile:
        os.environ["PIMDESK_BENCH_PROFILE"] = str(args.profile)
    imported = _child("--child-import", str(root), str(data.path))
    os.environ.pop("PIMDESK_BENCH_PROFILE", None)
    limit = _child("--child-limit", str(work / "limit.sqlite"), str(data.path))
    ratio = imported["seconds"] / limit["seconds"]
    cpu_ratio = imported["cpu_seconds"] / limit["cpu_seconds"]
    print(
        f"import: {imported['seconds']:.1f} s, CPU {imported['cpu_seconds']:.1f} s "
        f"({imported['created']:,} products, {imported['models_created']:,} models, "
        f"{imported['rejected']} rejected); peak RSS {imported['maxrss_mib']:.0f} MiB "
        f"(target <= {TARGET_PEAK_MIB:.0f})"
    )
    print(
        f"limit:  {limit['seconds']:.1f} s, CPU {limit['cpu_seconds']:.1f} s (sqlite3 "
        f"executemany + FTS5, peak RSS {limit['maxrss_mib']:.0f} MiB); ratio import/limit "
        f"{ratio:.1f}x wall, {cpu_ratio:.1f}x CPU (target <= {TARGET_RATIO:.0f}x)"
    )
    queries = make_queries(data, random.Random(11))
    found = measure_search(root, queries)
    print(
        f"search: p50 {found['p50_ms']:.1f} ms, p95 {found['p95_ms']:.1f} ms, max "
        f"{found['max_ms']:.1f} ms over {found['queries']} queries ({found['with_results']} "
        f"with results; target p95 <= {TARGET_SEARCH_P95_MS:.0f} ms); CPU time p50 "
        f"{found['cpu_p50_ms']:.1f} ms, p95 {found['cpu_p95_ms']:.1f} ms"
    )
    exported = measure_export(root, work / "export.csv")
    print(
        f"export: {exported['seconds']:.1f} s, CPU {exported['cpu_seconds']:.1f} s "
        f"({exported['products']:,} products, "
        f"{exported['models']:,} models; target <= {TARGET_EXPORT_S:.0f} s)"
    )
    verdicts = {
        "import ratio": ratio <= TARGET_RATIO,
        "search p95": found["p95_ms"] <= TARGET_SEARCH_P95_MS,
        "export": exported["seconds"] <= TARGET_EXPORT_S,
        "import peak memory": imported["maxrss_mib"] <= TARGET_PEAK_MIB,
    }
    print(f"load average at end: {_load()}")
    print("targets: " + ", ".join(f"{k} {'met' if ok else 'MISSED'}" for k, ok in verdicts.items()))
    if not args.keep:
        import shutil

        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
