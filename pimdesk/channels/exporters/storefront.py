"""A static HTML storefront: the local "live listing" a browser opens from disk.

Layout of the output folder: ``index.html`` (a grid of products: image, title, price),
``products/<handle>.html`` (one page per product: every image, the description, the variants
with their axis values, price and availability) and ``images/`` (the renditions, copied).
Everything is self-contained: inline CSS, no scripts, no fonts or files from the network,
relative links only, so the folder works from ``file://`` and from any static host.

All product text is HTML-escaped. Descriptions keep a small set of harmless formatting tags
(paragraphs, line breaks, lists, bold, italics) without attributes; any other markup, such
as ``<script>``, is shown as text rather than run.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from decimal import Decimal
from html.parser import HTMLParser

from pimdesk.channels.api import (
    CancelToken,
    FieldSpec,
    Issue,
    Listing,
    ListingImage,
    Progress,
    PublishResult,
    SettingSpec,
)
from pimdesk.channels.exporters._base import FileExporter
from pimdesk.channels.exporters._common import (
    OUTPUT_SETTING,
    ProductGroup,
    axis_label,
    group_listings,
    integer,
    main_image,
    money,
    slugify,
    text,
)
from pimdesk.channels.output import OutputFolder

_ALLOWED_TAGS = {"p", "br", "ul", "ol", "li", "strong", "em", "b", "i"}
_VOID_TAGS = {"br"}
_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "CAD": "CA$", "AUD": "A$"}

CSS = """
*{box-sizing:border-box}
body{margin:0;font-family:-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;
color:#1f2328;background:#f6f7f9;line-height:1.5}
header{background:#fff;border-bottom:1px solid #e3e6ea}
header .bar{max-width:1120px;margin:0 auto;padding:18px 24px;display:flex;align-items:baseline;
gap:16px}
header a{color:inherit;text-decoration:none}
header .shop{font-size:1.35rem;font-weight:700;letter-spacing:-.01em}
header .count{color:#6a737d;font-size:.9rem}
main{max-width:1120px;margin:0 auto;padding:28px 24px 48px}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(220px,1fr));gap:22px;
list-style:none;margin:0;padding:0}
.card{background:#fff;border:1px solid #e3e6ea;border-radius:10px;overflow:hidden;
transition:box-shadow .15s}
.card:hover{box-shadow:0 4px 16px rgba(0,0,0,.08)}
.card a{color:inherit;text-decoration:none;display:block}
.card .thumb{aspect-ratio:1/1;background:#fff;display:flex;align-items:center;
justify-content:center;border-bottom:1px solid #eef0f2}
.card img{width:100%;height:100%;object-fit:contain}
.card .info{padding:12px 14px 14px}
.card h2{font-size:1rem;font-weight:600;margin:0 0 4px;overflow-wrap:anywhere}
.price{font-weight:600}
.price del{color:#8a939c;font-weight:400;margin-left:6px}
.price .sale{color:#b3261e}
.noimg{color:#8a939c;font-size:.85rem}
.back{display:inline-block;margin-bottom:18px;color:#0b63c5;text-decoration:none}
.product{display:grid;grid-template-columns:minmax(0,1.1fr) minmax(0,1fr);gap:36px;
background:#fff;border:1px solid #e3e6ea;border-radius:12px;padding:28px}
@media (max-width:760px){.product{grid-template-columns:1fr}}
.gallery .hero{width:100%;aspect-ratio:1/1;object-fit:contain;background:#fff;
border:1px solid #eef0f2;border-radius:8px}
.gallery ul{list-style:none;margin:12px 0 0;padding:0;display:grid;
grid-template-columns:repeat(auto-fill,minmax(90px,1fr));gap:10px}
.gallery li img{width:100%;aspect-ratio:1/1;object-fit:contain;background:#fff;
border:1px solid #eef0f2;border-radius:6px}
h1{font-size:1.7rem;line-height:1.25;margin:0 0 8px;overflow-wrap:anywhere}
.brand{color:#6a737d;margin:0 0 12px;text-transform:uppercase;font-size:.8rem;
letter-spacing:.06em}
.lead{font-size:1.3rem;margin:0 0 18px}
td .price{font-weight:500}
.description{color:#3a4148;margin-bottom:22px;overflow-wrap:anywhere}
table{border-collapse:collapse;width:100%;font-size:.92rem}
th,td{text-align:left;padding:8px 10px;border-bottom:1px solid #eef0f2}
th{color:#6a737d;font-weight:600;font-size:.8rem;text-transform:uppercase;letter-spacing:.04em}
.in{color:#1a7f37}.out{color:#b3261e}
footer{max-width:1120px;margin:0 auto;padding:0 24px 32px;color:#8a939c;font-size:.8rem}
"""


class _DescriptionCleaner(HTMLParser):
    """Keeps a few formatting tags (no attributes); every other tag becomes visible text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _ALLOWED_TAGS:
            self.parts.append(f"<{tag}>")
            if tag not in _VOID_TAGS:
                self.open.append(tag)
        else:
            self.parts.append(html.escape(self.get_starttag_text() or f"<{tag}>"))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID_TAGS:
            self.parts.append(f"<{tag}>")
        else:
            self.parts.append(html.escape(self.get_starttag_text() or f"<{tag}/>"))

    def handle_endtag(self, tag: str) -> None:
        if tag in _ALLOWED_TAGS and tag in self.open:
            while self.open:
                top = self.open.pop()
                self.parts.append(f"</{top}>")
                if top == tag:
                    break
        elif tag not in _ALLOWED_TAGS:
            self.parts.append(html.escape(f"</{tag}>"))

    def handle_data(self, data: str) -> None:
        self.parts.append(html.escape(data))

    def handle_comment(self, data: str) -> None:
        self.parts.append(html.escape(f"<!--{data}-->"))

    def handle_decl(self, decl: str) -> None:
        self.parts.append(html.escape(f"<!{decl}>"))

    def unknown_decl(self, data: str) -> None:
        self.parts.append(html.escape(f"<![{data}]>"))

    def handle_pi(self, data: str) -> None:
        self.parts.append(html.escape(f"<?{data}>"))

    def result(self) -> str:
        self.close()
        rest = self.rawdata if hasattr(self, "rawdata") else ""
        if rest:
            self.parts.append(html.escape(rest))
        while self.open:
            self.parts.append(f"</{self.open.pop()}>")
        return "".join(self.parts)


def description_html(value: str) -> str:
    """Safe HTML for a product description (see the module docstring)."""
    if not value.strip():
        return ""
    if "<" not in value:  # plain text: paragraphs from blank lines, breaks from newlines
        paragraphs = [p for p in value.replace("\r\n", "\n").split("\n\n") if p.strip()]
        return "".join(
            "<p>" + html.escape(p.strip()).replace("\n", "<br>") + "</p>" for p in paragraphs
        )
    cleaner = _DescriptionCleaner()
    cleaner.feed(value)
    return cleaner.result()


def format_money(amount: Decimal, currency: str) -> str:
    symbol = _SYMBOLS.get(currency.upper())
    number = f"{amount.quantize(Decimal('0.01')):,}"
    return f"{symbol}{number}" if symbol else f"{number} {currency}"


def _page(title: str, body: str, shop: str, home: str) -> str:
    esc = html.escape
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="referrer" content="no-referrer">\n'
        f"<title>{esc(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
        f'<header><div class="bar"><a class="shop" href="{esc(home)}">{esc(shop)}</a>'
        "</div></header>\n"
        f"<main>\n{body}\n</main>\n"
        "<footer>Published with pimdesk</footer>\n</body>\n</html>\n"
    )


FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("brand", "Brand", "brand"),
    FieldSpec("price", "Price (regular)", "price", required=True),
    FieldSpec("sale_price", "Sale price", "sale_price"),
    FieldSpec("stock", "Stock", "stock"),
)


class StorefrontExporter(FileExporter):
    """Static HTML storefront; see the module docstring."""

    name = "storefront"
    label = "Storefront (static HTML site)"
    description = "A local web shop: index.html plus one page per product, images included."
    rendition_profile = "storefront"
    settings_spec = (
        OUTPUT_SETTING,
        SettingSpec("shop_name", "Shop name", "text", default="Our products"),
    )
    fields_spec = FIELDS

    def validate(self, listings: Sequence[Listing]) -> list[Issue]:
        issues: list[Issue] = []
        for listing in listings:
            issues.extend(self.image_name_issues(listing))
        return issues

    # -- pieces ----------------------------------------------------------------------

    def _price_html(self, listing: Listing) -> str:
        regular = money(self._get(listing, "price"), listing.currency)
        sale = money(self._get(listing, "sale_price"), listing.currency)
        if regular is None:
            return '<span class="price">—</span>'
        if sale is not None and Decimal(0) <= sale < regular:
            return (
                f'<span class="price"><span class="sale">'
                f"{html.escape(format_money(sale, listing.currency))}</span>"
                f"<del>{html.escape(format_money(regular, listing.currency))}</del></span>"
            )
        return f'<span class="price">{html.escape(format_money(regular, listing.currency))}</span>'

    def _group_price_html(self, group: ProductGroup) -> str:
        def effective(listing: Listing) -> Decimal | None:
            regular = money(self._get(listing, "price"), listing.currency)
            sale = money(self._get(listing, "sale_price"), listing.currency)
            if sale is not None and regular is not None and sale < regular:
                return sale
            return regular

        prices = {effective(v) for v in group.variants} - {None}
        if len(prices) > 1:
            low = min(p for p in prices if p is not None)
            currency = group.first.currency
            return f'<span class="price">from {html.escape(format_money(low, currency))}</span>'
        cheapest = min(group.variants, key=lambda v: effective(v) or Decimal(0))
        return self._price_html(cheapest)

    def _stock_html(self, listing: Listing) -> str:
        stock = integer(self._get(listing, "stock"))
        if stock is None:
            return ""
        if stock > 0:
            return '<span class="in">In stock</span>'
        return '<span class="out">Out of stock</span>'

    def _index(self, shop: str, cards: list[tuple[str, str, str | None, str]]) -> str:
        esc = html.escape
        items = []
        for page, title, image, price in cards:
            thumb = (
                f'<img src="{esc(image)}" alt="{esc(title)}" loading="lazy">'
                if image
                else '<span class="noimg">No image</span>'
            )
            items.append(
                f'<li class="card"><a href="{esc(page)}"><div class="thumb">{thumb}</div>'
                f'<div class="info"><h2>{esc(title)}</h2>{price}</div></a></li>'
            )
        count = f"{len(cards)} product" + ("" if len(cards) == 1 else "s")
        body = f'<p class="count">{count}</p>\n<ul class="grid">\n' + "\n".join(items) + "\n</ul>"
        return _page(shop, body, shop, "index.html")

    def _product_page(
        self, shop: str, group: ProductGroup, images: list[tuple[ListingImage, str]]
    ) -> str:
        esc = html.escape
        first = group.first
        gallery = ""
        if images:
            hero_image, hero_src = images[0]
            alt = hero_image.alt_text or group.title
            gallery = f'<img class="hero" src="../{esc(hero_src)}" alt="{esc(alt)}">'
            if len(images) > 1:
                gallery += (
                    "<ul>"
                    + "".join(
                        f'<li><img src="../{esc(src)}" alt="{esc(img.alt_text or group.title)}" '
                        'loading="lazy"></li>'
                        for img, src in images[1:]
                    )
                    + "</ul>"
                )
        else:
            gallery = '<span class="noimg">No image</span>'
        brand = text(self._get(first, "brand"))
        axes = group.axis_codes
        rows = []
        for listing in group.variants:
            cells = [f"<td>{esc(listing.sku)}</td>"]
            cells += [f"<td>{esc(listing.axes.get(code, ''))}</td>" for code in axes]
            cells.append(f"<td>{self._price_html(listing)}</td>")
            cells.append(f"<td>{self._stock_html(listing)}</td>")
            rows.append("<tr>" + "".join(cells) + "</tr>")
        head = "<th>SKU</th>" + "".join(f"<th>{esc(axis_label(c))}</th>" for c in axes)
        head += "<th>Price</th><th>Availability</th>"
        table = f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
        body = (
            '<a class="back" href="../index.html">← All products</a>\n'
            '<article class="product">\n'
            f'<div class="gallery">{gallery}</div>\n<div class="details">\n'
            + (f'<p class="brand">{esc(brand)}</p>' if brand else "")
            + f"<h1>{esc(group.title)}</h1>\n"
            f'<p class="lead">{self._group_price_html(group)}</p>\n'
            f'<div class="description">{description_html(first.description)}</div>\n'
            f"{table}\n</div>\n</article>"
        )
        return _page(f"{group.title} · {shop}", body, shop, "../index.html")

    # -- publish ---------------------------------------------------------------------

    def publish(
        self,
        listings: Sequence[Listing],
        withdrawn: Sequence[str],
        progress: Progress,
        cancel: CancelToken,
    ) -> PublishResult:
        result = PublishResult()
        out: OutputFolder = self.output_folder(subfolders=("images", "products"))
        shop = str(self.settings.get("shop_name") or "Our products")
        groups = group_listings(self.publishable(listings, result))
        used: set[str] = set()
        cards: list[tuple[str, str, str | None, str]] = []
        total = len(groups)
        for done, group in enumerate(groups, start=1):
            self.check_cancel(cancel)
            handle = slugify(group.title) or slugify(group.first.sku) or "product"
            candidate, counter = handle, 1
            while candidate in used:
                counter += 1
                candidate = f"{handle}-{counter}"
            used.add(candidate)
            page = f"products/{candidate}.html"
            images = [
                (image, out.image_name(image.filename, image.file, folder="images"))
                for image in group.images()
            ]
            out.add_document(page, self._product_page(shop, group, images))
            cover = main_image(group.first)
            cover_src = next((src for img, src in images if cover and img == cover), None)
            if cover_src is None and images:
                cover_src = images[0][1]
            cards.append((page, group.title, cover_src, self._group_price_html(group)))
            for listing in group.variants:
                result.remote_ids[listing.sku] = page
            self.report(progress, done, total)
        out.add_document("index.html", self._index(shop, cards))
        result.files = out.commit(cancel)
        return result
