"""The waiting list from change marks: after the first look, only what changed is read.

Every test compares the indexed lookup (``find_candidates_fast``, what ``listing_states`` and
``pimdesk status`` use) with the full comparison of every product (``find_candidates``), on
SQLite and PostgreSQL, through the ways a user changes a catalog: edits, imports, disabling,
deleting, new products, and writes made by another connection.
"""

from __future__ import annotations

import random
from pathlib import Path

from sqlalchemy import delete, select, text

from pimdesk.catalog import migrate
from pimdesk.catalog.db import make_engine
from pimdesk.catalog.models import ChannelTracking, Product, TrackingMark
from pimdesk.channels.listings import load_setup
from pimdesk.channels.registry import registry_for
from pimdesk.channels.tracking import find_candidates, find_candidates_fast
from pimdesk.library import Library
from pimdesk.services import products, publishing
from pimdesk.services.imports import import_file

from .conftest import Shop


def states(shop: Shop, code: str = "web") -> dict[str, str]:
    return {s.sku: s.state for s in publishing.listing_states(shop.library, code)}


def candidate_ids(library: Library, code: str = "web") -> tuple[set[int], set[int], set[int]]:
    """(never, changed, withdraw) from the indexed lookup, checked against the full scan."""
    registry = registry_for(library)
    with library.session() as s:
        setup = load_setup(s, registry, code)
        fast = find_candidates_fast(s, setup)
        full = find_candidates(s, setup)
    got = (set(fast.never), set(fast.changed), {r.product_id for r in fast.withdraw})
    truth = (set(full.never), set(full.changed), {r.product_id for r in full.withdraw})
    assert got == truth
    return got


def test_waiting_list_follows_edits_disabling_deleting_and_new_products(any_shop: Shop) -> None:
    shop = any_shop
    shop.add_channel()
    for sku in ("A-1", "B-1", "C-1", "D-1"):
        shop.product(sku)
    assert states(shop) == dict.fromkeys(("A-1", "B-1", "C-1", "D-1"), "never_published")
    assert shop.publish().result == "ok"
    assert states(shop) == {}  # the first look after the publish
    assert states(shop) == {}  # and the next, from where that one left off

    products.set_values(shop.library, "A-1", {"name-en_US": "A renamed"})
    products.set_enabled(shop.library, "B-1", False)
    products.delete_product(shop.library, "C-1")
    shop.product("E-1")
    assert states(shop) == {
        "A-1": "waiting",
        "B-1": "withdraw",
        "C-1": "withdraw",
        "E-1": "never_published",
    }
    candidate_ids(shop.library)

    report = shop.publish()
    assert report.published == ["A-1", "E-1"] and report.withdrawn == ["B-1", "C-1"]
    assert states(shop) == {}
    assert candidate_ids(shop.library) == (set(), set(), set())
    products.set_enabled(shop.library, "B-1", True)
    assert states(shop) == {"B-1": "never_published"}


def test_blocked_products_stay_on_the_list_until_fixed(any_shop: Shop) -> None:
    shop = any_shop
    shop.add_channel()
    shop.product("OK-1")
    shop.product("NO-PRICE", price=None)
    report = shop.publish()
    assert [b.sku for b in report.blocked] == ["NO-PRICE"]
    assert states(shop) == {"NO-PRICE": "blocked"}
    assert states(shop) == {"NO-PRICE": "blocked"}  # still there on the next look
    products.set_values(shop.library, "NO-PRICE", {"price-USD": "5.00"})
    assert states(shop) == {"NO-PRICE": "never_published"}
    shop.publish()
    assert states(shop) == {}


def test_an_import_and_writes_from_another_connection_are_seen(
    any_shop: Shop, tmp_path: Path
) -> None:
    shop = any_shop
    shop.add_channel()
    for sku in ("IMP-1", "IMP-2", "RAW-1"):
        shop.product(sku)
    shop.publish()
    assert states(shop) == {}

    csv = tmp_path / "update.csv"
    csv.write_text("sku,name-en_US\nIMP-2,Imported name\n", encoding="utf-8")
    assert import_file(shop.library, csv).updated == 1
    # another program disabling a product with plain SQL, without touching its revision
    with shop.library.engine.begin() as conn:
        conn.execute(text("UPDATE product SET enabled = :off WHERE sku = 'RAW-1'"), {"off": False})
    assert states(shop) == {"IMP-2": "waiting", "RAW-1": "withdraw"}


def test_a_lookup_state_lost_or_left_behind_gives_the_same_answer(any_shop: Shop) -> None:
    shop = any_shop
    shop.add_channel()
    for n in range(6):
        shop.product(f"P-{n}")
    shop.publish()
    states(shop)
    products.set_values(shop.library, "P-2", {"name-en_US": "changed"})
    expected = {"P-2": "waiting"}
    assert states(shop) == expected
    with shop.library.session() as s:  # the cache deleted: one full comparison again
        s.execute(delete(ChannelTracking))
    assert states(shop) == expected
    with shop.library.session() as s:  # left far behind: everything since is re-read
        s.execute(ChannelTracking.__table__.update().values(mark=0))
    assert states(shop) == expected


def test_marks_are_kept_until_every_channel_has_looked(any_shop: Shop) -> None:
    shop = any_shop
    shop.add_channel("web")
    shop.add_channel("web2")
    for sku in ("GONE-1", "GONE-2", "KEEP-1"):
        shop.product(sku)
    shop.publish("web")
    shop.publish("web2")
    states(shop, "web")
    states(shop, "web2")
    products.delete_product(shop.library, "GONE-1")
    products.delete_product(shop.library, "GONE-2")
    assert states(shop, "web") == {"GONE-1": "withdraw", "GONE-2": "withdraw"}
    # web2 has not looked since: its deletions are still there for it
    assert states(shop, "web2") == {"GONE-1": "withdraw", "GONE-2": "withdraw"}
    shop.publish("web")
    shop.publish("web2")
    assert states(shop, "web") == {} and states(shop, "web2") == {}
    states(shop, "web")
    with shop.library.session() as s:  # only the newest mark is left (numbering goes on)
        assert len(s.scalars(select(TrackingMark.seq)).all()) == 1
    products.set_enabled(shop.library, "KEEP-1", False)
    assert states(shop, "web") == {"KEEP-1": "withdraw"}


def test_random_changes_agree_with_the_full_comparison(any_shop: Shop) -> None:
    shop = any_shop
    shop.add_channel()
    rng = random.Random(4)
    skus = [f"R-{n}" for n in range(12)]
    for sku in skus:
        shop.product(sku)
    shop.publish()
    alive = set(skus)
    made = len(skus)
    for step in range(40):
        action = rng.choice(["edit", "edit", "disable", "enable", "delete", "create", "publish"])
        sku = rng.choice(sorted(alive)) if alive else None
        if action == "edit" and sku:
            products.set_values(shop.library, sku, {"name-en_US": f"name {step}"})
        elif action in ("disable", "enable") and sku:
            products.set_enabled(shop.library, sku, action == "enable")
        elif action == "delete" and sku:
            products.delete_product(shop.library, sku)
            alive.discard(sku)
        elif action == "create":
            made += 1
            shop.product(f"R-{made}")
            alive.add(f"R-{made}")
        elif action == "publish":
            shop.publish()
        if step % 3 == 0:
            candidate_ids(shop.library)
    candidate_ids(shop.library)


def test_library_at_0004_with_published_listings_upgrades_and_tracks(
    tmp_path: Path, database_url: str
) -> None:
    engine = make_engine(database_url)
    migrate.upgrade(engine, "0004_publishing")
    with engine.begin() as conn:
        for sku in ("OLD-1", "OLD-2"):
            conn.execute(
                text(
                    'INSERT INTO product (sku, enabled, "values", revision, created_at,'
                    " updated_at) VALUES (:sku, :on, :v, 3, :t, :t)"
                ),
                {"sku": sku, "on": True, "v": "{}", "t": "2026-01-01T00:00:00+00:00"},
            )
        ids = dict(conn.execute(text("SELECT sku, id FROM product")).all())
        conn.execute(
            text(
                "INSERT INTO channel (code, label, locales, currencies, exporter, settings,"
                " field_map, created_at) VALUES ('old', 'Old', '[\"en_US\"]', '[\"USD\"]',"
                " 'folder', :settings, '{}', :t)"
            ),
            {"settings": f'{{"output": "{tmp_path}"}}', "t": "2026-01-01T00:00:00+00:00"},
        )
        channel_id = conn.execute(text("SELECT id FROM channel WHERE code = 'old'")).scalar()
        for sku, revision in (("OLD-1", 3), ("OLD-2", 2)):
            conn.execute(
                text(
                    "INSERT INTO published_listing (channel_id, product_id, sku, fingerprint,"
                    " revision, published_at, versions) VALUES (:c, :p, :sku, :fp, :r, :t, '[]')"
                ),
                {"c": channel_id, "p": ids[sku], "sku": sku, "fp": "0" * 64, "r": revision,
                 "t": "2026-01-01T00:00:00+00:00"},
            )  # fmt: skip
    engine.dispose()

    with Library.open(tmp_path / "library", database_url=database_url) as lib:
        assert migrate.current_revision(lib.engine) == migrate.head_revision()
        with lib.session() as s:
            seqs = dict(s.execute(select(Product.sku, Product.changed_seq)).all())
        assert seqs["OLD-1"] > 0 and seqs["OLD-2"] > 0
        # OLD-2 was published at an older revision: a candidate from the first look on
        assert candidate_ids(lib, "old") == (set(), {ids["OLD-2"]}, set())
        with lib.session() as s:  # a bare library (no seed): rows written directly
            s.add(Product(sku="NEW-1"))
            s.execute(delete(Product).where(Product.sku == "OLD-1"))
        never, changed, withdraw = candidate_ids(lib, "old")
        assert changed == {ids["OLD-2"]} and withdraw == {ids["OLD-1"]} and len(never) == 1
