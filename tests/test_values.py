"""Value documents: scoped keys, removal, and what a variant inherits from its parents."""

from __future__ import annotations

from pimdesk.catalog.values import get_value, iter_values, merged, resolve, set_value


def test_set_get_and_remove_scoped_values() -> None:
    doc: dict = {}
    set_value(doc, "name", "Kettle", locale="en_US")
    set_value(doc, "name", "Wasserkocher", locale="de_DE")
    set_value(doc, "description", "Web copy", locale="en_US", channel="ecommerce")
    assert get_value(doc, "name", "de_DE") == "Wasserkocher"
    assert get_value(doc, "description", "en_US", "ecommerce") == "Web copy"
    assert get_value(doc, "description", "en_US") is None
    assert set_value(doc, "name", "", locale="de_DE") == "Wasserkocher"
    assert get_value(doc, "name", "de_DE") is None
    set_value(doc, "description", None, locale="en_US", channel="ecommerce")
    assert "description" not in doc
    assert sorted(iter_values(doc)) == [("name", "en_US", None, "Kettle")]


def test_variant_sees_its_own_values_over_its_parents() -> None:
    model = {
        "name": {"<all_channels>": {"en_US": "Tote"}},
        "brand": {"<all_channels>": {"<all_locales>": "Acme"}},
    }
    sub_model = {"color": {"<all_channels>": {"<all_locales>": "black"}}}
    variant = {"name": {"<all_channels>": {"en_US": "Tote, black, large"}}}
    seen = merged([model, sub_model, variant])
    assert resolve(seen, "name", "en_US", "ecommerce") == "Tote, black, large"
    assert resolve(seen, "brand", "en_US", "ecommerce") == "Acme"
    assert resolve(seen, "color", "de_DE", "print") == "black"
    # The parents' documents are not modified by merging.
    assert model["name"]["<all_channels>"]["en_US"] == "Tote"


def test_resolve_prefers_the_channel_specific_value() -> None:
    doc: dict = {}
    set_value(doc, "description", "Generic", locale="en_US")
    set_value(doc, "description", "For Amazon", locale="en_US", channel="amazon")
    assert resolve(doc, "description", "en_US", "amazon") == "For Amazon"
    assert resolve(doc, "description", "en_US", "shopify") == "Generic"
    assert resolve(doc, "description", "fr_FR", "shopify") is None
