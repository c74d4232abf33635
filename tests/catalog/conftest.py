"""A small apparel catalog: two currencies, a one-level and a two-level variant family."""

from __future__ import annotations

import pytest

from pimdesk.library import Library
from pimdesk.services import products, reference


@pytest.fixture
def apparel(any_library: Library) -> Library:
    lib = any_library
    reference.set_channel_scope(
        lib, "ecommerce", locales=["en_US", "de_DE"], currencies=["USD", "EUR"]
    )
    reference.create_options(
        lib, "color", [("black", {"en_US": "Black"}), ("white", {"en_US": "White"})]
    )
    reference.create_options(lib, "size", [("s", {"en_US": "S"}), ("m", {"en_US": "M"})])
    attributes = ["sku", "name", "description", "price", "weight", "color", "size", "brand"]
    reference.create_family(
        lib,
        "shirts",
        attributes=attributes,
        requirements={"ecommerce": ["sku", "name", "price", "weight"]},
    )
    reference.create_family_variant(
        lib,
        "shirts_by_color_size",
        family="shirts",
        axes_level1=["color"],
        axes_level2=["size"],
        attributes_level2=["price", "weight"],
    )
    reference.create_family_variant(lib, "shirts_by_size", family="shirts", axes_level1=["size"])
    with lib.session() as s:
        from pimdesk.services.reference import add_category

        add_category(s, "master")
        add_category(s, "tops", parent="master")
    products.create_product_model(
        lib,
        "TEE",
        family_variant="shirts_by_color_size",
        values={"name-en_US": "Tee", "brand": "Acme"},
    )
    products.create_product_model(lib, "TEE-BLK", parent="TEE", values={"color": "black"})
    products.create_product_model(lib, "TEE-WHT", parent="TEE", values={"color": "white"})
    full = {
        "size": "s",
        "price-USD": "10",
        "price-EUR": "9",
        "weight": "200",
        "weight-unit": "GRAM",
    }
    products.create_product(lib, "TEE-BLK-S", parent="TEE-BLK", values=full, categories=["tops"])
    products.create_product(
        lib, "TEE-BLK-M", parent="TEE-BLK", values={"size": "m", "price-USD": "10"}
    )
    return lib
