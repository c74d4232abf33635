"""What an import stores beside the products (completeness per channel, labels, search
rows) equals what the catalog computes afresh from the stored products, on SQLite and
PostgreSQL, whatever the file mixes: new and updated products, variants of models old and
new, a model row after its variants, a variant before its model, an approved image; and a
failed import leaves all of it as it was.

The import computes these from the values it holds, chunk by chunk, instead of reading
the products back (``Importer._summarise``): these tests are what keeps the two the same.
"""

from __future__ import annotations

import gc
import json
import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text

from pimdesk.catalog import completeness_counts, search, summary
from pimdesk.catalog.context import load_context
from pimdesk.catalog.models import Product, ProductCompleteness, ProductLabel
from pimdesk.errors import ImportFailed
from pimdesk.library import Library
from pimdesk.services import imports, reference

HEADER = (
    "sku;code;family;family_variant;parent;name-en_US;name-de_DE;"
    "description-en_US-ecommerce;price-USD;price-EUR;weight;weight-unit;color;size"
)


def snapshot(library: Library) -> dict[str, Any]:
    """Everything stored beside the products, comparable across engines."""
    with library.session() as s:
        completeness = sorted(
            (pid, channel, ratio, list(missing), revision)
            for pid, channel, ratio, missing, revision in s.execute(
                select(
                    ProductCompleteness.product_id,
                    ProductCompleteness.channel_id,
                    ProductCompleteness.ratio,
                    ProductCompleteness.missing,
                    ProductCompleteness.revision,
                )
            )
        )
        labels = sorted(
            tuple(row)
            for row in s.execute(
                select(
                    ProductLabel.product_id,
                    ProductLabel.locale,
                    ProductLabel.name,
                    ProductLabel.sort_key,
                )
            )
        )
        key = "product_id" if s.get_bind().dialect.name == "postgresql" else "rowid"
        rows = sorted(
            (pid, sku, name, body, json.loads(labels_json))
            for pid, sku, name, body, labels_json in s.execute(
                text(f"SELECT {key}, sku, name, body, labels FROM {search.SEARCH_TABLE}")
            )
        )
    return {"completeness": completeness, "labels": labels, "search": rows}


def afresh(library: Library) -> dict[str, Any]:
    """The same, computed now from the stored products (the reading path)."""
    with library.session() as s:
        ids = list(s.scalars(select(Product.id).order_by(Product.id)))
        context = load_context(s)
        completeness: list[tuple[Any, ...]] = []
        labels: list[tuple[Any, ...]] = []
        for start in range(0, len(ids), summary.CHUNK):
            done, named = summary.summarise(s, context, ids[start : start + summary.CHUNK])
            completeness += [(p, c, r, json.loads(m), v) for p, c, r, m, v in done]
            labels += named
        rows, _missing = search._product_rows(s, ids)
        counts = completeness_counts.summary_computed(s, context)
        stored_counts = completeness_counts.summary(s, context)
    assert stored_counts == counts
    return {
        "completeness": sorted(completeness),
        "labels": sorted(labels),
        "search": sorted((r.product_id, r.sku, r.name_text, r.body_text, r.names) for r in rows),
    }


@pytest.fixture
def pictured(apparel: Library, tmp_path: Path) -> Library:
    """The apparel catalog with a required image role and one product that has it."""
    from PIL import Image

    from pimdesk.services import assets, ingest

    reference.set_family_requirements(
        apparel,
        "shirts",
        requirements={"ecommerce": ["sku", "name", "price", "weight"]},
        image_requirements={"ecommerce": ["main"]},
    )
    photo = tmp_path / "tee.jpg"
    Image.new("RGB", (600, 600), "black").save(photo, "JPEG")
    asset_id = ingest.ingest_paths(apparel, [photo]).files[0].asset_id
    assert asset_id is not None
    assets.set_approval(apparel, asset_id, "approved")
    assets.link_asset(apparel, asset_id, "TEE-BLK-M", role="main")
    return apparel


def write(path: Path, *rows: str) -> Path:
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


MIXED = (
    # a variant under an existing model, updated (it has an approved image)
    "TEE-BLK-M;;;;TEE-BLK;;;;10;9;210;GRAM;;m",
    # a new variant under an existing sub-model
    "TEE-WHT-S;;;;TEE-WHT;;;;12;11;200;GRAM;;s",
    # a variant whose model comes later in the file
    "POLO-M;;;;POLO;;;;20;;300;GRAM;;m",
    # the new model, then a variant of it
    ";POLO;;shirts_by_size;;Polo;Polohemd;A polo shirt;;;;;;",
    "POLO-S;;;;POLO;;;;20;18;300;GRAM;;s",
    # simple products: complete, incomplete, another family, German only
    "MUG-1;;shirts;;;Mug;Becher;A mug;5;4.5;350;GRAM;black;",
    "MUG-2;;shirts;;;Mug two;;;5;;;;;",
    "CAP-1;;default;;;Cap;Kappe;A cap;8;7;;;white;",
    "CAP-2;;;;;;Nur deutsch;;;;;;;",
    # an existing model changed after variants below it were written
    ";TEE;;;;Tee;T-Shirt neu;;;;;;;",
)


def test_an_import_stores_what_the_catalog_computes_afresh(
    pictured: Library, tmp_path: Path
) -> None:
    report = imports.import_file(pictured, write(tmp_path / "mixed.csv", *MIXED))
    assert (report.created, report.updated, report.models_created) == (7, 1, 1)
    assert report.models_updated == 1
    after = snapshot(pictured)
    assert after == afresh(pictured)
    # the model row came last: its variants still carry its new German name
    names = {
        (pid, locale): name
        for pid, locale, name, _ in after["labels"]
        if locale == "de_DE" and name == "T-Shirt neu"
    }
    assert len(names) == 3  # TEE-BLK-S, TEE-BLK-M, TEE-WHT-S
    with pictured.session() as s:
        found = search.search_products(s, "neu", limit=10)
        # rows the import writes through the driver store timestamps as the ORM does
        stamps = dict(
            s.execute(
                text("SELECT sku, created_at FROM product WHERE sku IN ('TEE-BLK-S', 'POLO-S')")
            ).all()
        )
        imported = s.scalar(select(Product.created_at).where(Product.sku == "POLO-S"))
    assert {hit.sku for hit in found} >= {"TEE-BLK-M", "TEE-WHT-S"}
    shape = {sku: re.sub(r"\d", "9", str(stamp)) for sku, stamp in stamps.items()}
    assert shape["POLO-S"] == shape["TEE-BLK-S"]
    assert imported is not None and imported.tzinfo is not None


def test_a_larger_import_in_several_chunks_stores_the_same(
    pictured: Library, tmp_path: Path
) -> None:
    rows = [";BIG;;shirts_by_size;;Big;Gross;;;;;;;", "TEE-WHT-S;;;;TEE-WHT;;;;12;11;200;GRAM;;s"]
    for n in range(2500):  # more than one chunk of the importer
        if n % 5 == 0:
            rows.append(f"BIG-{n};;;;BIG;;;;{n};;;;;{'s' if n % 2 else 'm'}")
        else:
            price = f"{n % 90 + 1}" if n % 3 else ""
            rows.append(f"P-{n};;shirts;;;Item {n};Artikel {n};;{price};{price};5;GRAM;;")
    # the root model changes chunks after its new variant TEE-WHT-S was written
    rows.append(";TEE;;;;Tee;Spätes Hemd;;;;;;;")
    # axis values repeat under BIG: those rows are rejected, the rest land
    report = imports.import_file(pictured, write(tmp_path / "big.csv", *rows), skip_invalid=True)
    assert report.rejected > 0 and report.created > 2000
    assert snapshot(pictured) == afresh(pictured)
    with pictured.session() as s:
        found = {hit.sku for hit in search.search_products(s, "spätes", limit=10)}
        late = s.scalar(
            select(ProductLabel.name)
            .join(Product, Product.id == ProductLabel.product_id)
            .where(Product.sku == "TEE-WHT-S", ProductLabel.locale == "de_DE")
        )
    assert late == "Spätes Hemd" and "TEE-WHT-S" in found
    # importing the same file again updates nothing and keeps everything as it is
    before = snapshot(pictured)
    again = imports.import_file(pictured, write(tmp_path / "big.csv", *rows), skip_invalid=True)
    assert again.created == 0
    assert snapshot(pictured) == before


def test_a_failed_import_leaves_the_summaries_and_the_index_as_they_were(
    pictured: Library, tmp_path: Path
) -> None:
    before = snapshot(pictured)
    rows = [f"OK-{n};;shirts;;;Fine {n};;;1;1;1;GRAM;;" for n in range(1500)]
    rows.append("BAD-1;;shirts;;;Bad;;;not a price;;;;;")
    with pytest.raises(ImportFailed):
        imports.import_file(pictured, write(tmp_path / "bad.csv", *rows))
    assert snapshot(pictured) == before
    assert gc.isenabled()  # the import pauses the cycle collector, whatever happens
    # with --skip-invalid the good rows land with their summaries; the bad one has none
    report = imports.import_file(pictured, write(tmp_path / "bad.csv", *rows), skip_invalid=True)
    assert (report.created, report.rejected) == (1500, 1)
    after = snapshot(pictured)
    assert after == afresh(pictured)
    assert len(after["search"]) == len(before["search"]) + 1500


def index_names(library: Library) -> set[str]:
    from sqlalchemy import inspect

    with library.session() as s:
        inspector = inspect(s.connection())
        return {
            ix["name"]
            for table in ("product_label", "product_completeness")
            for ix in inspector.get_indexes(table)
        }


def test_a_bulk_load_into_an_empty_catalog_keeps_its_sort_indexes(
    any_library: Library, tmp_path: Path
) -> None:
    """On SQLite the first large import builds the sort indexes once, at the end, in its own
    transaction: they exist afterwards, after a failed import too, and serve the table."""
    from pimdesk.services import product_table

    expected = {"ix_product_label_sort", "ix_product_completeness_channel_ratio"}
    assert index_names(any_library) == expected
    header = "sku;family;name-en_US;price-USD"
    good = [f"B-{n:05d};default;Item {2500 - n};{n % 7}" for n in range(2500)]
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join([header, *good, "B-X;default;Broken;not a price"]) + "\n")
    with pytest.raises(ImportFailed):
        imports.import_file(any_library, bad)
    assert index_names(any_library) == expected
    assert snapshot(any_library)["labels"] == []
    sheet = tmp_path / "good.csv"
    sheet.write_text("\n".join([header, *good]) + "\n")
    imports.import_file(any_library, sheet)
    assert index_names(any_library) == expected
    assert snapshot(any_library) == afresh(any_library)
    page = product_table.table_page(any_library, sort="name", limit=3)
    assert [r.name for r in page.rows] == ["Item 1", "Item 10", "Item 100"]
