"""Ingest: files and folders in, assets, versions, links, inbox; the source never touched."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select

from pimdesk.assets.publishable import publishable_images
from pimdesk.catalog.models import Asset, AssetVersion, Product
from pimdesk.events import Change
from pimdesk.library import Library
from pimdesk.services.ingest import ingest_paths
from tests.assets.conftest import snapshot


def test_matched_photos_become_linked_assets_with_objects_and_thumbnails(
    any_library: Library, shoot: Path, place: Callable[..., Path], add_products
) -> None:
    ids = add_products(any_library, "WB-750")
    front = place("products/mg01-bk-0.jpg", "WB-750_front_1.jpg")
    swatch = place("formats/png_RGBA_8__128x128.png", "WB-750_swatch_1.png")
    before = snapshot(front)
    changes: list[Change] = []
    any_library.events.subscribe(changes.append)

    report = ingest_paths(any_library, [shoot])

    assert report.summary()["new_asset"] == 2
    assert ids["WB-750"] in report.product_ids
    assert snapshot(front) == before
    with any_library.session() as s:
        versions = s.scalars(select(AssetVersion).order_by(AssetVersion.id)).all()
        for v in versions:
            assert (any_library.root / f"objects/{v.sha256[:2]}/{v.sha256}.{v.extension}").is_file()
            assert (any_library.root / f"thumbs/{v.sha256[:2]}/{v.sha256}.webp").is_file()
        images = publishable_images(s, ids["WB-750"], "ecommerce")
    assert [(i.role, i.position) for i in images] == [("front", 1), ("swatch", 1)]
    assert images[0].object_path.read_bytes() == front.read_bytes()
    assert any(c.kind == "ingest" and ids["WB-750"] in c.product_ids for c in changes)
    assert swatch.exists()


def test_replaced_photo_becomes_version_two_and_the_old_one_is_kept(
    library: Library, shoot: Path, place: Callable[..., Path], add_products
) -> None:
    ids = add_products(library, "WB-750")
    place("products/mg01-bk-0.jpg", "WB-750_main_1.jpg")
    first = ingest_paths(library, [shoot])
    place("products/mg02-bk-0.jpg", "WB-750_main_1.jpg")
    second = ingest_paths(library, [shoot])

    assert second.files[0].outcome == "new_version"
    assert second.files[0].asset_id == first.files[0].asset_id
    assert second.files[0].version == 2
    with library.session() as s:
        asset = s.get(Asset, first.files[0].asset_id)
        assert [v.number for v in asset.versions] == [1, 2]
        image = publishable_images(s, ids["WB-750"], "ecommerce")[0]
        assert image.sha256 == asset.versions[1].sha256


def test_same_file_again_is_identical_and_stores_nothing_new(
    library: Library, shoot: Path, place: Callable[..., Path], add_products
) -> None:
    add_products(library, "WB-750")
    place("products/mg01-bk-0.jpg", "WB-750_main_1.jpg")
    ingest_paths(library, [shoot])
    again = ingest_paths(library, [shoot])
    assert again.summary()["identical"] == 1
    with library.session() as s:
        assert len(s.scalars(select(AssetVersion)).all()) == 1


def test_unmatched_and_unknown_sku_wait_in_the_inbox_with_the_reason(
    library: Library, shoot: Path, place: Callable[..., Path]
) -> None:
    place("products/mg01-bk-0.jpg", "holiday snap.jpg")
    place("products/mg02-bk-0.jpg", "NOPE-1_front_1.jpg")
    report = ingest_paths(library, [shoot])
    assert report.summary()["unmatched"] == 2
    reasons = {Path(f.path).name: f.reason for f in report.files}
    assert "unknown SKU 'NOPE-1'" in reasons["NOPE-1_front_1.jpg"]
    with library.session() as s:
        assert all(a.inbox_reason for a in s.scalars(select(Asset)))
        assert s.scalars(select(Product)).all() == []


def _mp4_bytes(brand: bytes) -> bytes:
    ftyp = b"ftyp" + brand + b"\x00\x00\x02\x00" + brand + b"mp41"
    box = len(ftyp).to_bytes(4, "big") + ftyp
    mdat = b"mdat" + bytes(256)
    return box + (len(mdat) + 4).to_bytes(4, "big") + mdat


def test_pdf_manual_and_videos_are_stored_and_linked_without_pixel_work(
    library: Library, shoot: Path, add_products
) -> None:
    from PIL import Image

    ids = add_products(library, "WB-750")
    Image.new("RGB", (300, 400), "white").save(shoot / "WB-750_manual_1.pdf", "PDF")
    (shoot / "WB-750_video_1.mp4").write_bytes(_mp4_bytes(b"isom"))
    (shoot / "WB-750_video_2.mov").write_bytes(_mp4_bytes(b"qt  "))
    report = ingest_paths(library, [shoot])
    assert report.summary()["new_asset"] == 3
    with library.session() as s:
        kinds = {(a.kind, a.versions[0].format) for a in s.scalars(select(Asset)).all()}
        assert kinds == {("document", "PDF"), ("video", "MP4"), ("video", "MOV")}
        for version in s.scalars(select(AssetVersion)):
            thumb = library.root / f"thumbs/{version.sha256[:2]}/{version.sha256}.webp"
            assert Image.open(thumb).size[0] > 0
        assert publishable_images(s, ids["WB-750"], "ecommerce") == []  # images only


def test_a_rescan_of_unchanged_files_reports_them_without_reading_them_again(
    library: Library, shoot: Path
) -> None:
    from PIL import Image

    for index in range(600):  # more than one SQL chunk of paths
        Image.new("RGB", (8, 8), (index % 256, index // 256, 0)).save(shoot / f"p{index}.png")
    first = ingest_paths(library, [shoot])
    assert first.summary()["unmatched"] == 600
    again = ingest_paths(library, [shoot])
    assert again.summary()["identical"] == 600
    assert {f.reason for f in again.files} == {"unchanged since the last ingest"}


def test_a_threaded_host_uses_the_fork_server_and_ingests_everything(
    tmp_path: Path, shoot: Path, place
) -> None:
    """The watcher and the GUI run threads: their workers come from a fork server."""
    import subprocess
    import sys

    for name in ["Canon_40D.jpg", "Kodak_CX7530.jpg", "Pentax_K10D.jpg", "Sony_HDR-HC3.jpg"]:
        place(f"exif/{name}")
    script = tmp_path / "host.py"
    script.write_text(
        "import json, sys, threading\n"
        "from pathlib import Path\n"
        "from pimdesk.library import Library\n"
        "from pimdesk.services.ingest import ingest_paths\n"
        "if __name__ == '__main__':\n"
        "    stop = threading.Event()\n"
        "    threading.Thread(target=stop.wait, daemon=True).start()\n"
        "    with Library.open(Path(sys.argv[1])) as library:\n"
        "        report = ingest_paths(library, [Path(sys.argv[2])])\n"
        "    stop.set()\n"
        "    print(json.dumps(report.summary()))\n",
        encoding="utf-8",
    )
    result = subprocess.run(
        [sys.executable, str(script), str(tmp_path / "lib"), str(shoot)],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    import json

    assert json.loads(result.stdout.strip().splitlines()[-1])["unmatched"] == 4
    assert "unavailable" not in result.stderr
