"""What a new library starts with: enough for a small shop to import and publish at once.

Everything seeded here is ordinary data, editable and removable like anything the user
adds. Other parts of pimdesk (filename rules, ...) add their own defaults to ``SEEDERS``.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from pimdesk.catalog.models import Attribute, Channel, Currency, Family, Locale

DEFAULT_LOCALE = "en_US"
DEFAULT_CURRENCY = "USD"
DEFAULT_CHANNEL = "ecommerce"
DEFAULT_FAMILY = "default"

# (code, type, label, localizable, scopable, properties)
DEFAULT_ATTRIBUTES: list[tuple[str, str, str, bool, bool, dict[str, object]]] = [
    ("sku", "identifier", "SKU", False, False, {"max_length": 255}),
    ("name", "text", "Name", True, False, {"max_length": 255}),
    ("description", "textarea", "Description", True, True, {"rich_text": True}),
    ("short_description", "textarea", "Short description", True, True, {}),
    ("price", "price", "Price", False, False, {"decimals": 2, "min": 0}),
    ("sale_price", "price", "Sale price", False, False, {"decimals": 2, "min": 0}),
    ("brand", "text", "Brand", False, False, {"max_length": 70}),
    ("gtin", "gtin", "GTIN (EAN/UPC)", False, False, {}),
    ("mpn", "text", "Manufacturer part number", False, False, {"max_length": 70}),
    (
        "weight",
        "metric",
        "Weight",
        False,
        False,
        {"metric_family": "Weight", "default_unit": "GRAM", "min": 0},
    ),
    ("color", "simpleselect", "Color", False, False, {}),
    ("size", "simpleselect", "Size", False, False, {}),
    ("material", "text", "Material", True, False, {}),
    ("stock", "number", "Stock quantity", False, False, {"decimals": 0}),
    ("product_type", "text", "Product type", False, False, {}),
    ("seo_title", "text", "SEO title", True, True, {"max_length": 70}),
    ("seo_description", "textarea", "SEO description", True, True, {"max_length": 320}),
    ("release_date", "date", "Release date", False, False, {}),
]

DEFAULT_FAMILY_REQUIREMENTS = ["sku", "name", "description", "price"]


def seed_catalog(session: Session) -> None:
    session.add(Locale(code=DEFAULT_LOCALE))
    session.add(Currency(code=DEFAULT_CURRENCY))
    session.add(
        Channel(
            code=DEFAULT_CHANNEL,
            label="E-commerce",
            locales=[DEFAULT_LOCALE],
            currencies=[DEFAULT_CURRENCY],
        )
    )
    for order, (code, type_, label, localizable, scopable, properties) in enumerate(
        DEFAULT_ATTRIBUTES
    ):
        session.add(
            Attribute(
                code=code,
                type=type_,
                labels={DEFAULT_LOCALE: label},
                localizable=localizable,
                scopable=scopable,
                unique=type_ == "identifier",
                properties=dict(properties),
                sort_order=order,
                group="marketing"
                if code
                in {"name", "description", "short_description", "seo_title", "seo_description"}
                else "general",
            )
        )
    session.add(
        Family(
            code=DEFAULT_FAMILY,
            labels={DEFAULT_LOCALE: "Default"},
            attribute_as_label="name",
            attribute_codes=[code for code, *_ in DEFAULT_ATTRIBUTES],
            requirements={DEFAULT_CHANNEL: list(DEFAULT_FAMILY_REQUIREMENTS)},
            image_requirements={DEFAULT_CHANNEL: ["main"]},
        )
    )


SEEDERS: list[Callable[[Session], None]] = [seed_catalog]


def _seed_assets(session: Session) -> None:
    from pimdesk.assets.settings import seed_asset_settings

    seed_asset_settings(session)


SEEDERS.append(_seed_assets)


def _seed_filename_rules(session: Session) -> None:
    from pimdesk.services.rules import seed_rules  # the rules area owns its defaults

    seed_rules(session)


SEEDERS.append(_seed_filename_rules)


def seed_defaults(session: Session) -> None:
    for seeder in SEEDERS:
        seeder(session)
        session.flush()
