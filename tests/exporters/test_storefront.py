"""The static storefront: self-contained, escaped, relative links that resolve on disk."""

from __future__ import annotations

import dataclasses
import re
from html.parser import HTMLParser
from pathlib import Path

from pimdesk.channels.exporters.storefront import StorefrontExporter, description_html

from .conftest import CDATA_END, NASTY, SCRIPT


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.refs: list[tuple[str, str]] = []
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        for name, value in attrs:
            if name in ("src", "href") and value is not None:
                self.refs.append((tag, value))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(path: Path) -> Links:
    parser = Links()
    parser.feed(path.read_text("utf-8"))
    return parser


def check_site(root: Path) -> None:
    """Every page: no scripts, no external references, every relative link exists."""
    for page in [root / "index.html", *sorted((root / "products").glob("*.html"))]:
        parsed = parse(page)
        assert "script" not in parsed.tags
        assert "link" not in parsed.tags  # CSS is inline
        for tag, ref in parsed.refs:
            assert not re.match(r"^[a-z]+:", ref), f"{page.name}: external {tag} {ref}"
            assert not ref.startswith("/")
            assert (page.parent / ref).resolve().exists(), f"{page.name}: broken {ref}"


def publish(out: Path, run, items) -> None:
    run(StorefrontExporter({"output": str(out), "shop_name": "Acme Goods"}), items)


def test_index_and_product_pages(listings, out_dir, run) -> None:
    tote = listings.tote()
    mug = listings.simple()
    publish(out_dir, run, [*tote, mug])
    check_site(out_dir)
    index = (out_dir / "index.html").read_text("utf-8")
    assert "Canvas Tote Bag" in index and "Enamel Mug" in index
    assert "$24.00" in index and "$30.00" in index and "$12.50" in index
    pages = sorted(p.name for p in (out_dir / "products").iterdir())
    assert pages == ["canvas-tote-bag.html", "enamel-mug.html"]
    page = out_dir / "products" / "canvas-tote-bag.html"
    parsed = parse(page)
    imgs = [ref for tag, ref in parsed.refs if tag == "img"]
    assert imgs == ["../images/tote-natural.jpg", "../images/tote-black.jpg",
                    "../images/tote-detail.jpg"]  # fmt: skip
    text = " ".join(parsed.text)
    for word in ("TOTE-NAT", "TOTE-BLK", "Natural", "Black", "Color", "In stock",
                 "Out of stock", "Heavy cotton canvas tote."):  # fmt: skip
        assert word in text
    assert (out_dir / "images" / "tote-detail.jpg").read_bytes() == tote[0].images[
        1
    ].file.read_bytes()


def test_hostile_text_renders_as_text(listings, out_dir, run) -> None:
    evil = listings.simple(
        "EVIL-1",
        f"{SCRIPT} {NASTY}",
        description=f'<p onclick="x()">Hi</p>{SCRIPT}<img src=x onerror=alert(1)> {CDATA_END}',
    )
    publish(out_dir, run, [evil])
    check_site(out_dir)
    for page in [out_dir / "index.html", *(out_dir / "products").glob("*.html")]:
        body = page.read_text("utf-8")
        assert "<script" not in body.lower()
        assert "onclick" not in body.replace("onclick=&quot;", "")
        assert "<img src=x" not in body
    product = next((out_dir / "products").glob("*.html"))
    text = " ".join(parse(product).text)
    assert SCRIPT in text  # shown to the reader as text
    assert CDATA_END in text


def test_description_keeps_only_harmless_formatting() -> None:
    assert description_html("<p>One<br>two</p><ul><li><b>x</b></li></ul>") == (
        "<p>One<br>two</p><ul><li><b>x</b></li></ul>"
    )
    assert description_html("line one\nline two\n\npara") == (
        "<p>line one<br>line two</p><p>para</p>"
    )
    assert description_html('<a href="javascript:x">go</a>') == (
        "&lt;a href=&quot;javascript:x&quot;&gt;go&lt;/a&gt;"
    )
    assert description_html("<p>unclosed <b>bold") == "<p>unclosed <b>bold</b></p>"


def test_republish_removes_withdrawn_pages_but_not_user_files(listings, out_dir, run) -> None:
    tote = listings.tote()
    mug = listings.simple()
    (out_dir / "notes.txt").write_text("mine")
    (out_dir / "images").mkdir()
    (out_dir / "images" / "enamel.jpg").write_text("user's own")
    publish(out_dir, run, [*tote, mug])
    assert (out_dir / "products" / "enamel-mug.html").exists()
    publish(out_dir, run, tote)
    assert not (out_dir / "products" / "enamel-mug.html").exists()
    assert not (out_dir / "images" / "mug-1-main.jpg").exists()
    assert (out_dir / "notes.txt").read_text() == "mine"
    assert (out_dir / "images" / "enamel.jpg").read_text() == "user's own"
    check_site(out_dir)


def test_a_new_version_replaces_the_image(listings, out_dir, run) -> None:
    mug = listings.simple()
    publish(out_dir, run, [mug])
    newer = listings.image("mug-1-main.jpg", color=(10, 120, 10), size=(80, 80))
    publish(out_dir, run, [dataclasses.replace(mug, images=[newer])])
    assert (out_dir / "images" / "mug-1-main.jpg").read_bytes() == newer.file.read_bytes()
    check_site(out_dir)
