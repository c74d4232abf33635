"""The storefront in a real browser: headless Debian Chromium driven by Selenium.

Opens the generated site from disk (file://, as a user double-clicking index.html would),
checks that every image really loaded (natural width above zero) and that product text
meant to attack the page stayed text, and takes screenshots. They are written to
``docs/screenshots/`` when missing or when ``PIMDESK_UPDATE_SCREENSHOTS=1`` (pixels differ a
little from run to run, and a test run should not leave the worktree modified); otherwise to
the test's temporary folder.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from pimdesk.channels.api import CancelToken, Listing
from pimdesk.channels.exporters.storefront import StorefrontExporter

from .conftest import SCRIPT, ListingFactory

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
    pytest.skip(
        "needs Debian's chromium and chromium-driver (/usr/bin/chromium, /usr/bin/chromedriver)",
        allow_module_level=True,
    )
webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is in the test extras")


def product_shot(path: Path, color: tuple[int, int, int], shape: str) -> None:
    """A 600 px product photo stand-in: a shaded object on white."""
    size = 600
    image = Image.new("RGB", (size, size), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    draw.ellipse((140, 470, 460, 520), fill=(232, 232, 232))
    dark = tuple(max(0, c - 40) for c in color)
    if shape == "bag":
        draw.rectangle((170, 200, 430, 480), fill=color, outline=dark, width=6)
        draw.arc((220, 110, 380, 290), 180, 360, fill=dark, width=14)
    elif shape == "mug":
        draw.rounded_rectangle((190, 200, 390, 470), 24, fill=color, outline=dark, width=6)
        draw.arc((350, 260, 460, 400), 270, 90, fill=dark, width=18)
    else:
        draw.ellipse((180, 160, 420, 470), fill=color, outline=dark, width=6)
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, quality=88)


def shop_listings(root: Path) -> list[Listing]:
    factory = ListingFactory(root)
    tote = factory.tote()
    for listing, color in zip(tote, [(214, 196, 160), (48, 48, 52)], strict=True):
        product_shot(listing.images[0].file, color, "bag")
    product_shot(tote[0].images[1].file, (190, 170, 130), "bag")
    catalog = [
        ("MUG-RED", "Enamel Mug, Red", (200, 50, 40), "mug", "14.00", None),
        ("MUG-BLU", "Enamel Mug, Blue", (40, 90, 180), "mug", "14.00", "11.50"),
        ("VASE-1", "Stoneware Vase", (120, 150, 110), "vase", "42.00", None),
        ("XSS-1", f"Tricky {SCRIPT} product", (230, 180, 40), "vase", "9.99", None),
    ]
    items: list[Listing] = [*tote]
    for sku, title, color, shape, price, sale in catalog:
        listing = factory.simple(
            sku,
            title,
            description=f"<p>Made by hand.</p><p>{SCRIPT} stays text.</p>",
            values={"price": price, "sale_price": sale, "brand": "Acme Goods", "stock": 5},
        )
        product_shot(listing.images[0].file, color, shape)
        items.append(listing)
    return items


@pytest.fixture
def site(tmp_path: Path) -> Path:
    out = tmp_path / "storefront"
    out.mkdir()
    exporter = StorefrontExporter({"output": str(out), "shop_name": "Acme Goods"})
    exporter.publish(shop_listings(tmp_path / "src"), [], lambda d, t: None, CancelToken())
    return out


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[object]:
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    profile = tmp_path / "chromium-profile"
    profile.mkdir()
    options = Options()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        "--window-size=1280,1060",
        "--hide-scrollbars",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


ALL_LOADED = """
const imgs = Array.from(document.images);
imgs.forEach(i => { i.loading = 'eager'; });
return imgs.map(i => [i.getAttribute('src'), i.complete, i.naturalWidth]);
"""


def wait_images(driver: object, timeout: float = 20.0) -> list[list[object]]:
    """Poll until every <img> finished loading; return [src, complete, naturalWidth]."""
    deadline = time.monotonic() + timeout
    while True:
        state = driver.execute_script(ALL_LOADED)  # type: ignore[attr-defined]
        if all(complete for _, complete, _ in state) or time.monotonic() > deadline:
            return state
        time.sleep(0.05)


def screenshot_path(name: str, tmp_path: Path) -> Path:
    target = SCREENSHOTS / name
    if os.environ.get("PIMDESK_UPDATE_SCREENSHOTS") == "1" or not target.exists():
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        return target
    return tmp_path / name


def test_storefront_in_chromium(site: Path, browser, tmp_path: Path) -> None:
    browser.get((site / "index.html").as_uri())
    assert browser.title == "Acme Goods"
    images = wait_images(browser)
    assert len(images) == 5
    for src, complete, width in images:
        assert complete and width > 0, f"{src} did not load"
    assert browser.execute_script("return document.scripts.length") == 0
    assert SCRIPT in browser.find_element("tag name", "body").text
    browser.save_screenshot(str(screenshot_path("storefront-index.png", tmp_path)))

    link = browser.find_element("css selector", "a[href='products/canvas-tote-bag.html']")
    link.click()
    assert browser.current_url.endswith("/products/canvas-tote-bag.html")
    images = wait_images(browser)
    assert len(images) == 3
    for src, complete, width in images:
        assert complete and width > 0, f"{src} did not load"
    body = browser.find_element("tag name", "body").text
    for text in ("TOTE-NAT", "TOTE-BLK", "Natural", "Black", "$24.00", "Out of stock"):
        assert text in body
    browser.save_screenshot(str(screenshot_path("storefront-product.png", tmp_path)))

    browser.find_element("link text", "← All products").click()
    assert browser.current_url.endswith("/index.html")

    browser.get((site / "products" / "tricky-script-alert-x-script-product.html").as_uri())
    assert browser.execute_script("return document.scripts.length") == 0
    assert SCRIPT in browser.find_element("tag name", "h1").text
