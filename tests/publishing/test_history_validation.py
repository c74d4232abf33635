"""What a user reads after publishing: the history names what each run did (withdrawn SKUs,
runs with nothing to publish), each image problem is said once, and Amazon's small photos
either name the file and its size with the way out (``upscale_small``) or are enlarged."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from PIL import Image

from pimdesk.cli import cli
from pimdesk.services import products, publishing

from .conftest import Shop

GTIN = "4006381333931"  # valid check digit


def history_text(shop: Shop, code: str = "web") -> str:
    result = CliRunner().invoke(
        cli, ["--library", str(shop.library.root), "publish", "--history", code]
    )
    assert result.exit_code == 0, result.output
    return result.output


def test_the_history_names_the_skus_a_run_withdrew(any_shop: Shop) -> None:
    shop = any_shop
    shop.add_channel()
    for sku in ("KEEP-1", "GONE-1", "GONE-2"):
        shop.product(sku)
    shop.publish()
    products.set_enabled(shop.library, "GONE-1", False)
    products.delete_product(shop.library, "GONE-2")
    report = shop.publish()
    assert report.withdrawn == ["GONE-1", "GONE-2"]
    run = publishing.publish_history(shop.library, "web")[0]
    assert run.withdrawn == 2 and run.withdrawn_skus == ["GONE-1", "GONE-2"]
    text = history_text(shop)
    assert "withdrawn: GONE-1, GONE-2" in text.splitlines()[1]


def test_a_publish_with_nothing_to_do_is_in_the_history(any_shop: Shop) -> None:
    shop = any_shop
    shop.add_channel()
    shop.product("A-1")
    shop.product("BLOCKED-1", price=None)
    shop.publish()
    again = shop.publish()
    assert again.published == [] and again.run_id is not None
    runs = publishing.publish_history(shop.library, "web")
    assert [r.result for r in runs] == ["nothing", "partial"]
    assert runs[0].notes == ["nothing to publish"] and runs[0].blocked_skus == ["BLOCKED-1"]
    first_line = history_text(shop).splitlines()[0]
    assert first_line.endswith("changed: nothing to publish")
    # a dry run and an auto-publish that find nothing leave no line
    shop.publish(dry_run=True)
    publishing.publish_channel(shop.library, "web", run_mode="auto")
    assert len(publishing.publish_history(shop.library, "web")) == 2


def small_photo(path: Path, size: tuple[int, int]) -> Path:
    """A product shot on a white background, smaller than Amazon's 1000 px."""
    image = Image.new("RGB", size, (255, 255, 255))
    w, h = size
    image.paste((30, 90, 200), (w // 6, h // 6, 5 * w // 6, 5 * h // 6))
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, "JPEG", quality=92)
    return path


def amazon_shop(shop: Shop, size: tuple[int, int]) -> None:
    shop.add_channel("amazon", exporter="amazon_images")
    shop.product("CUP-1", gtin=GTIN)
    from pimdesk.services.ingest import ingest_paths

    path = small_photo(shop.shoot / "CUP-1_main_1.jpg", size)
    ingest_paths(shop.library, [path], source_root=shop.shoot)


def blocked_reasons(shop: Shop) -> list[str]:
    states = publishing.listing_states(shop.library, "amazon")
    return [reason for s in states if s.sku == "CUP-1" for reason in s.reasons]


def test_a_small_amazon_photo_is_blocked_once_naming_the_file_and_the_way_out(
    shop: Shop,
) -> None:
    amazon_shop(shop, (480, 360))
    reasons = blocked_reasons(shop)
    size = [r for r in reasons if "px" in r]
    assert len(size) == 1, reasons  # the channel's check and the exporter's say it once
    assert "(CUP-1_main_1.jpg, 480x360 px)" in size[0] and "at least 1000 px" in size[0]
    assert "pimdesk channels set amazon upscale_small=true" in size[0]
    # the exporter's own checks of the same MAIN image (size, white border) are not repeated
    assert sum("white" in r for r in reasons) <= 1, reasons
    assert not any("border pixels" in r or "longest side is" in r for r in reasons), reasons


def test_upscale_small_enlarges_amazon_photos_to_the_minimum_only(shop: Shop) -> None:
    amazon_shop(shop, (480, 360))
    publishing.set_channel(shop.library, "amazon", {"upscale_small": "true"})
    assert publishing.show_channel(shop.library, "amazon").settings["upscale_small"] is True
    report = shop.publish("amazon")
    assert report.blocked == [] and report.published == ["CUP-1"], report
    # published, and the user is told the photo was enlarged
    assert any(
        "(CUP-1_main_1.jpg, 480x360 px) was enlarged to 1000x1000 px" in w for w in report.warnings
    ), report.warnings
    main = shop.out / f"{GTIN}.MAIN.jpg"
    with Image.open(main) as image:
        assert max(image.size) == 1000  # the minimum, not the 1600 px canvas
    # a large photo is left as it was: the setting only lifts the small ones
    from pimdesk.services.ingest import ingest_paths

    shop.product("CUP-2", gtin="4006381333948")
    big = small_photo(shop.shoot / "CUP-2_main_1.jpg", (2400, 1800))
    ingest_paths(shop.library, [big], source_root=shop.shoot)
    shop.publish("amazon")
    with Image.open(shop.out / "4006381333948.MAIN.jpg") as image:
        assert max(image.size) == 1600
