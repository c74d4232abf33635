"""services/browse.py (the GUI's read-only questions) on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from PIL import Image

from pimdesk.services import browse, ingest, products, rights


@pytest.mark.postgres
def test_page_extras_images_and_counts(any_library, tmp_path) -> None:
    library = any_library
    products.create_product(library, "CUP-1", values={"name-en_US": "Cup"})
    products.create_product(library, "CUP-2", values={"name-en_US": "Cup 2"})
    photo = tmp_path / "CUP-1_main.jpg"
    Image.new("RGB", (400, 400), "red").save(photo, "JPEG")
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"not a picture")
    report = ingest.ingest_paths(library, [photo, broken])
    asset_id = next(f.asset_id for f in report.files if f.asset_id)
    rights.set_rights(library, asset_id, expires_at=dt.datetime.now(dt.UTC) + dt.timedelta(days=3))
    ids = {row.sku: row.id for row in products.list_products(library)}
    extras = browse.page_extras(library, list(ids.values()))
    assert extras[ids["CUP-1"]].thumbnail is not None
    assert extras[ids["CUP-1"]].thumbnail.exists()
    assert extras[ids["CUP-2"]].thumbnail is None
    assert set(extras[ids["CUP-1"]].completeness) == {"ecommerce"}
    assert (
        extras[ids["CUP-1"]].completeness["ecommerce"]
        > extras[ids["CUP-2"]].completeness["ecommerce"]
    )  # its main image counts
    images = browse.product_images(library, "CUP-1")
    assert [(i.asset_id, i.role, i.position) for i in images] == [(asset_id, "main", 1)]
    assert browse.product_images(library, "NO-SUCH") == []
    counts = browse.sidebar_counts(library)
    assert (counts.products, counts.assets, counts.channels) == (2, 1, 1)
    assert counts.expiring == 1 and counts.problems == 1
