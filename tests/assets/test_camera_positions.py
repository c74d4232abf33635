"""Photos whose names give no position (a camera's IMG_4411 in a SKU folder) take the next
free position of their product and role: 1, 2, 3 as a shop owner expects, not 4411.

Names that do carry a position (SKU_front_2.jpg, SKU/shot3.jpg) keep it.
"""

from __future__ import annotations

import io
import shutil
from collections.abc import Callable
from pathlib import Path

from PIL import Image
from sqlalchemy import select

from pimdesk.catalog.models import AssetLink, Product
from pimdesk.library import Library
from pimdesk.services import products
from pimdesk.services.ingest import ingest_paths


def _jpeg(path: Path, shade: int) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    out = io.BytesIO()
    Image.new("RGB", (24, 24), (shade, 40, 200 - shade)).save(out, "JPEG")
    path.write_bytes(out.getvalue())
    return path


def _slots(library: Library, sku: str) -> dict[tuple[str, int], str]:
    """(role, position) -> the title of the asset there."""
    with library.session() as session:
        links = session.scalars(
            select(AssetLink)
            .join(Product, Product.id == AssetLink.product_id)
            .where(Product.sku == sku)
        ).all()
        return {(link.role, link.position): link.asset.title for link in links}


def test_camera_names_in_a_sku_folder_take_positions_1_2_3(
    library: Library, shoot: Path, add_products: Callable[..., dict[str, int]]
) -> None:
    add_products(library, "WB-750")
    for shade, name in enumerate(["IMG_4412.jpg", "IMG_4411.jpg", "DSC01234.JPG", "back.jpg"]):
        _jpeg(shoot / "WB-750" / name, shade * 20)
    _jpeg(shoot / "WB-750_front_2.jpg", 99)  # a name with a position keeps it
    ingest_paths(library, [shoot], workers=1)
    assert _slots(library, "WB-750") == {
        ("main", 1): "DSC01234",  # in name order
        ("main", 2): "IMG_4411",
        ("main", 3): "IMG_4412",
        ("back", 1): "back",
        ("front", 2): "WB-750_front_2",
    }
    # a later shot goes after them; a re-exported one stays where it is, as version 2
    _jpeg(shoot / "WB-750" / "IMG_4413.jpg", 150)
    _jpeg(shoot / "WB-750" / "IMG_4411.jpg", 180)
    report = ingest_paths(library, [shoot], workers=1)
    outcomes = {Path(f.path).name: (f.outcome, f.position, f.version) for f in report.files}
    assert outcomes["IMG_4413.jpg"] == ("new_asset", 4, 1)
    assert outcomes["IMG_4411.jpg"] == ("new_version", 2, 2)
    slots = _slots(library, "WB-750")
    assert [slots[("main", n)] for n in (1, 2, 3, 4)] == [
        "DSC01234",
        "IMG_4411",
        "IMG_4412",
        "IMG_4413",
    ]


def test_camera_files_waiting_for_a_new_sku_are_linked_at_1_and_2(
    library: Library, shoot: Path
) -> None:
    _jpeg(shoot / "MUG-9" / "IMG_7002.jpg", 10)
    _jpeg(shoot / "MUG-9" / "IMG_7001.jpg", 60)
    report = ingest_paths(library, [shoot], workers=1)
    assert {f.outcome for f in report.files} == {"unmatched"}
    products.create_product(library, "MUG-9")
    assert _slots(library, "MUG-9") == {("main", 1): "IMG_7001", ("main", 2): "IMG_7002"}


def test_a_camera_file_moved_into_a_sku_folder_takes_the_next_free_position(
    library: Library, shoot: Path, add_products: Callable[..., dict[str, int]], photos: Path
) -> None:
    add_products(library, "BAG-1")
    shutil.copyfile(photos / "products" / "mg01-bk-0.jpg", shoot / "BAG-1_main_1.jpg")
    _jpeg(shoot / "IMG_5000.jpg", 30)  # not in a SKU folder yet: waits in the inbox
    ingest_paths(library, [shoot], source_root=shoot, workers=1)
    assert _slots(library, "BAG-1") == {("main", 1): "BAG-1_main_1"}
    (shoot / "BAG-1").mkdir()
    (shoot / "IMG_5000.jpg").rename(shoot / "BAG-1" / "IMG_5000.jpg")
    report = ingest_paths(library, [shoot / "BAG-1"], source_root=shoot, workers=1)
    assert [(f.outcome, f.position) for f in report.files] == [("relinked", 2)]
    assert _slots(library, "BAG-1") == {("main", 1): "BAG-1_main_1", ("main", 2): "IMG_5000"}
