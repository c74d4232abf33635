"""Search over SKU, names and descriptions, on SQLite FTS5 and PostgreSQL full-text search."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text

from pimdesk.catalog.models import Family, FamilyVariant, Product, ProductModel
from pimdesk.catalog.search import reindex_products, search_products
from pimdesk.library import Library


def _name(en: str, de: str | None = None) -> dict[str, dict[str, str]]:
    by_locale = {"en_US": en}
    if de:
        by_locale["de_DE"] = de
    return {"<all_channels>": by_locale}


def _add_products(library: Library) -> dict[str, int]:
    """A small catalog written straight through the ORM, then indexed."""
    with library.session() as s:
        family = s.scalars(select(Family)).first()
        assert family is not None
        variant = FamilyVariant(code="kettle_by_color", family=family, axes_level1=["color"])
        s.add(variant)
        s.flush()
        model = ProductModel(
            code="KETTLE-CLASSIC",
            family_variant_id=variant.id,
            values={
                "name": _name("Classic kettle", "Klassischer Wasserkocher"),
                "description": {"ecommerce": {"en_US": "Stainless steel, 1.7 l, boils fast."}},
            },
        )
        s.add(model)
        s.flush()
        products = [
            Product(
                sku="WB-750-SS",
                family_id=family.id,
                values={"name": _name("Water bottle 750 ml", "Trinkflasche 750 ml")},
            ),
            Product(sku="WB-7500", family_id=family.id, values={"name": _name("Big water tank")}),
            Product(
                sku="CAFE-1",
                family_id=family.id,
                values={"name": _name("Café crème cups", "Kaffeetassen")},
            ),
            Product(sku="KC-RED", family_id=family.id, parent_id=model.id, values={}),
            Product(
                sku="KC-BLUE",
                family_id=family.id,
                parent_id=model.id,
                values={"name": _name("Blue kettle")},
            ),
            Product(sku="wb-75", family_id=family.id, values={"name": _name("Tiny bottle")}),
        ]
        s.add_all(products)
        s.flush()
        ids = {p.sku: p.id for p in products}
        reindex_products(s, ids.values())
    return ids


def _skus(library: Library, query: str, **kwargs: object) -> list[str]:
    with library.session() as s:
        return [hit.sku for hit in search_products(s, query, **kwargs)]  # type: ignore[arg-type]


def test_sku_prefix_finds_the_product_and_exact_sku_ranks_first(any_library: Library) -> None:
    _add_products(any_library)
    found = _skus(any_library, "WB-75")
    assert found[0] == "wb-75", "the exact SKU (any case) comes first"
    assert set(found[:3]) == {"wb-75", "WB-750-SS", "WB-7500"}
    assert _skus(any_library, "wb750")[0] == "WB-750-SS"
    assert _skus(any_library, "WB-750-SS")[0] == "WB-750-SS"


def test_a_partial_word_finds_names_in_every_locale_and_inherited(any_library: Library) -> None:
    _add_products(any_library)
    assert set(_skus(any_library, "kett")) == {"KC-RED", "KC-BLUE"}
    assert set(_skus(any_library, "wasserk")) == {"KC-RED", "KC-BLUE"}, "de_DE names too"
    assert "KC-RED" in _skus(any_library, "stainless"), "inherited descriptions"
    assert "KC-RED" in _skus(any_library, "kettle-classic"), "the parent model code"
    assert _skus(any_library, "cafe creme") == ["CAFE-1"], "diacritics do not matter"
    assert _skus(any_library, "kaffeetassen") == ["CAFE-1"]


def test_results_carry_a_name_in_the_requested_locale(any_library: Library) -> None:
    _add_products(any_library)
    with any_library.session() as s:
        hit = search_products(s, "trinkflasche", locale="de_DE")[0]
        assert (hit.sku, hit.name) == ("WB-750-SS", "Trinkflasche 750 ml")
        assert search_products(s, "trinkflasche", locale="en_US")[0].name == "Water bottle 750 ml"
        red = search_products(s, "KC-RED")[0]
        assert red.name == "Classic kettle", "a variant without its own name shows its parent's"


def test_reindex_follows_changes_and_deletions(any_library: Library) -> None:
    ids = _add_products(any_library)
    with any_library.session() as s:
        product = s.get(Product, ids["CAFE-1"])
        assert product is not None
        product.values = {"name": _name("Espresso saucers")}
        reindex_products(s, [product.id])
    assert _skus(any_library, "cafe creme") == []
    assert _skus(any_library, "espresso") == ["CAFE-1"]
    with any_library.session() as s:
        s.delete(s.get(Product, ids["CAFE-1"]))
        s.flush()
        reindex_products(s, [ids["CAFE-1"], 999_999])
    assert _skus(any_library, "espresso") == []


def test_limit_is_respected(any_library: Library) -> None:
    _add_products(any_library)
    assert len(_skus(any_library, "wb", limit=2)) == 2
    assert _skus(any_library, "wb", limit=0) == []


NASTY = [
    "",
    "   ",
    '"',
    '"kettle',
    "kettle\"'",
    "-kettle",
    "*",
    "kett*",
    "AND",
    "kettle AND",
    "OR OR NOT",
    "NEAR(kettle bottle)",
    "NEAR/2",
    "(((",
    "kettle)",
    "name:kettle",
    "sku_key:wb",
    "^kettle",
    "{sku}:x",
    "🙂",
    "kettle 🙂",
    "\x00",
    "a\\b",
    "'; DROP TABLE product; --",
    ":* & | ! <->",
    "x" * 5000,
    "ǅ ² ﬁ ß",
]


@pytest.mark.parametrize("query", NASTY)
def test_whatever_is_typed_gives_results_or_none_never_an_error(
    any_library: Library, query: str
) -> None:
    _add_products(any_library)
    with any_library.session() as s:
        hits = search_products(s, query)
    assert isinstance(hits, list)


def test_operator_words_are_searched_as_words(any_library: Library) -> None:
    with any_library.session() as s:
        family = s.scalars(select(Family)).first()
        product = Product(sku="OR-1", family=family, values={"name": _name("Rock AND roll tee")})
        s.add(product)
        s.flush()
        reindex_products(s, [product.id])
    assert _skus(any_library, "rock AND") == ["OR-1"]
    assert _skus(any_library, '"roll" NOT') == []


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(query=st.text(max_size=40))
def test_property_arbitrary_text_never_raises(any_library: Library, query: str) -> None:
    with any_library.session() as s:
        if not s.execute(text("SELECT 1 FROM product LIMIT 1")).first():
            family = s.scalars(select(Family)).first()
            product = Product(sku="P-1", family=family, values={"name": _name("Plain kettle")})
            s.add(product)
            s.flush()
            reindex_products(s, [product.id])
        hits = search_products(s, query)
    assert all(hit.sku == "P-1" for hit in hits)


def test_a_sku_typed_in_full_is_found_even_before_it_is_indexed(any_library: Library) -> None:
    with any_library.session() as s:
        family = s.scalars(select(Family)).first()
        s.add(Product(sku="NEW-1", family=family, values={"name": _name("Fresh")}))
    with any_library.session() as s:
        hits = search_products(s, "new-1")
    assert [(h.sku, h.name, h.matched) for h in hits] == [("NEW-1", "Fresh", "sku")]


def test_broad_queries_take_sku_and_name_matches_first(
    any_library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Above RANK_AT_MOST matches ranking is skipped; SKU and name matches still lead."""
    from pimdesk.catalog import search as search_module

    _add_products(any_library)
    monkeypatch.setattr(search_module, "RANK_AT_MOST", 1)
    found = _skus(any_library, "WB-75")
    assert found[0] == "wb-75" and set(found[:3]) == {"wb-75", "WB-750-SS", "WB-7500"}
    assert set(_skus(any_library, "kettle")) == {"KC-RED", "KC-BLUE"}
    assert _skus(any_library, "kettle", limit=1) in (["KC-RED"], ["KC-BLUE"])
    assert _skus(any_library, "a") == []


def test_short_words_are_prefixes_only_while_typed_last(any_library: Library) -> None:
    _add_products(any_library)
    assert "CAFE-1" in _skus(any_library, "ca"), "two letters being typed: a prefix"
    assert _skus(any_library, "kc red") == ["KC-RED"], "a finished two-letter part: whole word"
    assert _skus(any_library, "ca cups") == [], "'ca' before another word is a whole word"
