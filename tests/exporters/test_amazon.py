"""Amazon image bundle against reference sheet §4."""

from __future__ import annotations

import dataclasses
import zipfile
from pathlib import Path

from PIL import Image

from pimdesk.channels.exporters.amazon import NAME_PATTERN, AmazonImagesExporter

BIG = (1200, 1000)


def tote_with_asins(listings) -> list:
    """The tote with the sheet's made-up child ASINs, big renditions and a swatch."""
    natural_main = listings.image("tote-natural.jpg", size=BIG)
    black_main = listings.image("tote-black.jpg", size=BIG, color=(30, 30, 30))
    detail = listings.image("tote-detail.jpg", role="detail", position=2, size=BIG)
    result = []
    for listing, main, asin in zip(
        listings.tote(), (natural_main, black_main), ("B0TOTENAT1", "B0TOTEBLK1"), strict=True
    ):
        swatch = listings.image(f"{asin}-sw.png", role="swatch", position=3, size=(100, 100))
        result.append(
            dataclasses.replace(
                listing,
                values={**listing.values, "asin": asin},
                images=[main, detail, swatch],
            )
        )
    return result


def test_files_are_named_like_the_worked_example(listings, out_dir, run) -> None:
    result = run(AmazonImagesExporter({"output": str(out_dir)}), tote_with_asins(listings))
    names = sorted(p.name for p in out_dir.iterdir() if not p.name.startswith("."))
    assert names == [
        "B0TOTEBLK1.MAIN.jpg", "B0TOTEBLK1.PT01.jpg", "B0TOTEBLK1.SWCH.png",
        "B0TOTENAT1.MAIN.jpg", "B0TOTENAT1.PT01.jpg", "B0TOTENAT1.SWCH.png",
    ]  # fmt: skip
    for name in names:
        assert NAME_PATTERN.match(name), name
    assert result.remote_ids == {
        "TOTE-NAT": "B0TOTENAT1.MAIN.jpg",
        "TOTE-BLK": "B0TOTEBLK1.MAIN.jpg",
    }
    assert (out_dir / "B0TOTEBLK1.PT01.jpg").read_bytes() == (
        out_dir / "B0TOTENAT1.PT01.jpg"
    ).read_bytes()


def test_gtin_names_the_files_without_an_asin(listings, out_dir, run) -> None:
    mug = listings.simple(values={"gtin": "400-6381 333931", "price": "1"})
    mug = dataclasses.replace(mug, images=[listings.image("m.jpg", size=BIG)])
    run(AmazonImagesExporter({"output": str(out_dir)}), [mug])
    assert (out_dir / "4006381333931.MAIN.jpg").is_file()


def test_zip_package(listings, out_dir, run) -> None:
    exporter = AmazonImagesExporter({"output": str(out_dir), "package": "zip"})
    run(exporter, tote_with_asins(listings))
    with zipfile.ZipFile(out_dir / "amazon-images.zip") as archive:
        names = archive.namelist()
        assert archive.testzip() is None
    assert len(names) == 6
    assert sum(n.endswith(".MAIN.jpg") for n in names) == 2
    assert sorted(p.name for p in out_dir.iterdir() if not p.name.startswith(".")) == [
        "amazon-images.zip"
    ]


def test_exactly_one_main_and_at_most_eight_others(listings, out_dir, run) -> None:
    images = [
        listings.image(f"x{n}.jpg", role="detail", position=n, size=BIG) for n in range(1, 12)
    ]
    mug = listings.simple(values={"asin": "B000000001", "price": "1"})
    mug = dataclasses.replace(mug, images=images)
    result = run(AmazonImagesExporter({"output": str(out_dir)}), [mug])
    names = sorted(p.name for p in out_dir.iterdir() if not p.name.startswith("."))
    assert [n for n in names if ".MAIN." in n] == ["B000000001.MAIN.jpg"]
    assert [n.split(".")[1] for n in names if ".PT" in n] == [f"PT{i:02d}" for i in range(1, 9)]
    assert any("beyond PT08" in w for w in result.warnings)


def test_main_must_be_pure_white_and_big_enough(listings, out_dir, tmp_path: Path) -> None:
    small = listings.image("small.jpg", size=(800, 800))
    grey_file = tmp_path / "grey.png"
    Image.new("RGB", BIG, (250, 250, 250)).save(grey_file)
    grey = dataclasses.replace(small, file=grey_file, filename="grey.png")
    exporter = AmazonImagesExporter({"output": str(out_dir)})
    a = listings.simple("A-1", values={"asin": "B000000001"}, images=[small])
    b = listings.simple("B-1", values={"asin": "B000000002"}, images=[grey])
    c = listings.simple("C-1", values={"asin": "B000000003"}, images=[])
    issues = {(i.sku, i.field): i.message for i in exporter.validate([a, b, c]) if i.blocking}
    assert "800 px" in issues[("A-1", "MAIN image")]
    assert "pure white" in issues[("B-1", "MAIN image")]
    assert ("C-1", "images") in issues


def test_identifier_problems_are_blocking(listings, out_dir) -> None:
    exporter = AmazonImagesExporter({"output": str(out_dir)})
    cases = [
        listings.simple("N-1", values={}),  # neither ASIN nor GTIN
        listings.simple("S-1", values={"asin": "TOTE-NAT"}),  # a SKU is not an ASIN
        listings.simple("G-1", values={"gtin": "4006381333932"}),  # bad check digit
        listings.simple("D-1", values={"asin": "B000000009"}),
        listings.simple("D-2", values={"asin": "b000000009"}),  # same, lower case
    ]
    blocked = {
        i.sku for i in exporter.validate(cases) if i.blocking and i.field in ("asin", "gtin")
    }
    assert blocked == {"N-1", "S-1", "G-1", "D-2"}


def test_fill_and_colour_profile_are_warnings(listings, out_dir, tmp_path: Path) -> None:
    from PIL import ImageCms

    small_product = tmp_path / "tiny.jpg"
    image = Image.new("RGB", BIG, (255, 255, 255))
    image.paste((200, 30, 30), (500, 400, 700, 600))
    lab = ImageCms.createProfile("LAB")
    image.save(small_product, icc_profile=ImageCms.ImageCmsProfile(lab).tobytes())
    base = listings.image("x.jpg", size=BIG)
    shot = dataclasses.replace(base, file=small_product, filename="tiny.jpg")
    mug = listings.simple(values={"asin": "B000000001"}, images=[shot])
    issues = [i for i in AmazonImagesExporter({"output": str(out_dir)}).validate([mug])]
    messages = {i.message: i.blocking for i in issues if i.field == "MAIN image"}
    assert any("spans 17%" in m and not b for m, b in messages.items())
    assert any("not sRGB" in m and not b for m, b in messages.items())
    assert not any(b for b in messages.values())
