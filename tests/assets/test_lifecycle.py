"""After ingest: approval, restore, rights and expiry, inbox rematch (also after an import),
source files deleted or moved, and the CLI's JSON."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from pimdesk.assets import settings
from pimdesk.assets.publishable import publishable_images
from pimdesk.catalog.models import AssetVersion, Product
from pimdesk.cli import cli
from pimdesk.errors import NotFoundError, ValidationError
from pimdesk.events import Change
from pimdesk.library import Library
from pimdesk.services import assets, rights
from pimdesk.services.ingest import ingest_paths, mark_missing_at_source, source_moved
from tests.assets.conftest import PHOTOS


@pytest.fixture
def library(any_library: Library) -> Library:
    """These tests run on every engine under test (SQLite, and PostgreSQL when configured)."""
    return any_library


def _one(library: Library, shoot: Path, place, add_products, name="WB-750_main_1.jpg") -> int:
    add_products(library, "WB-750")
    place("products/mg01-bk-0.jpg", name)
    return ingest_paths(library, [shoot]).files[0].asset_id  # type: ignore[return-value]


def _shown(library: Library, sku: str = "WB-750", at: dt.datetime | None = None) -> list[int]:
    with library.session() as s:
        pid = s.scalar(select(Product.id).where(Product.sku == sku))
        return [i.asset_id for i in publishable_images(s, pid, "ecommerce", at)]


def test_new_library_auto_approves_and_the_setting_keeps_drafts(
    library: Library, shoot: Path, place, add_products
) -> None:
    asset_id = _one(library, shoot, place, add_products)
    assert assets.show_asset(library, asset_id).versions[0].approval == "approved"
    with library.session() as s:
        settings.put(s, settings.AUTO_APPROVE, False)
    place("products/mg02-bk-0.jpg", "WB-750_main_1.jpg")
    ingest_paths(library, [shoot])
    detail = assets.show_asset(library, asset_id)
    assert [v.approval for v in detail.versions] == ["approved", "draft"]
    assert [v.current for v in detail.versions] == [True, False]  # draft is not published yet
    assets.set_approval(library, asset_id, "approved")
    assert assets.show_asset(library, asset_id).versions[1].current


def test_reject_then_restore(library: Library, shoot: Path, place, add_products) -> None:
    asset_id = _one(library, shoot, place, add_products)
    place("products/mg02-bk-0.jpg", "WB-750_main_1.jpg")
    ingest_paths(library, [shoot])
    changes: list[Change] = []
    library.events.subscribe(changes.append)
    assets.set_approval(library, asset_id, "rejected", version=2)
    assert _shown(library) == [asset_id]  # version 1 is current again
    restored = assets.restore_version(library, asset_id, 1)
    assert restored.number == 3 and restored.current
    detail = assets.show_asset(library, asset_id)
    assert detail.versions[2].sha256 == detail.versions[0].sha256
    assert [c.kind for c in changes] == ["approval", "approval"]
    assert changes[0].product_ids  # the product's listing changed
    with pytest.raises(NotFoundError):
        assets.restore_version(library, asset_id, 9)
    with pytest.raises(ValidationError):
        assets.set_approval(library, asset_id, "maybe")


def test_rights_status_expiring_and_expired(
    library: Library, shoot: Path, place, add_products
) -> None:
    asset_id = _one(library, shoot, place, add_products)
    now = dt.datetime.now(dt.UTC)
    info = rights.set_rights(
        library, asset_id, expires_at=now + dt.timedelta(days=10), holder="Ann"
    )
    assert info.status == rights.EXPIRING_SOON
    assert [i.asset_id for i in rights.expiring(library)] == [asset_id]
    assert rights.expiring(library, days=5) == []
    assert [a.id for a in assets.list_assets(library, expiring=True)] == [asset_id]
    assert _shown(library) == [asset_id]
    assert _shown(library, at=now + dt.timedelta(days=11)) == []
    rights.set_rights(library, asset_id, expires_at=now - dt.timedelta(days=1))
    assert rights.get_rights(library, asset_id).status == rights.EXPIRED
    assert rights.get_rights(library, asset_id).holder == "Ann"  # untouched fields stay
    assert _shown(library) == []
    assert [a.id for a in assets.list_assets(library, expired=True)] == [asset_id]
    rights.set_rights(library, asset_id, expires_at=None, valid_from=now + dt.timedelta(days=3))
    assert rights.get_rights(library, asset_id).status == rights.NOT_YET_VALID
    assert _shown(library) == []
    with pytest.raises(ValidationError):
        rights.set_rights(library, asset_id, allowed_channels=["nowhere"])


def test_clock_passing_an_expiry_marks_the_product_for_republishing(
    library: Library, shoot: Path, place, add_products
) -> None:
    asset_id = _one(library, shoot, place, add_products)
    before = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    rights.set_rights(library, asset_id, expires_at=dt.datetime.now(dt.UTC))
    with library.session() as s:
        revision = s.scalar(select(Product.revision).where(Product.sku == "WB-750"))
    assert rights.touch_expiry_changes(library, before)
    with library.session() as s:
        assert s.scalar(select(Product.revision).where(Product.sku == "WB-750")) > revision


def _xmp_photo(path: Path, creator: str, expiry: str, colour: str = "navy") -> Path:
    """A small JPEG carrying XMP rights: creator, copyright notice, usage terms, expiry."""
    from PIL import Image

    xmp = (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:xmpRights="http://ns.adobe.com/xap/1.0/rights/" '
        f'xmlns:plus="http://ns.useplus.org/ldf/xmp/1.0/" plus:ImageExpiry="{expiry}">'
        f"<dc:creator><rdf:Seq><rdf:li>{creator}</rdf:li></rdf:Seq></dc:creator>"
        '<dc:rights><rdf:Alt><rdf:li xml:lang="x-default">(c) Jo</rdf:li></rdf:Alt></dc:rights>'
        "<xmpRights:UsageTerms><rdf:Alt><rdf:li>Web shop only</rdf:li></rdf:Alt>"
        "</xmpRights:UsageTerms></rdf:Description></rdf:RDF></x:xmpmeta>"
    )
    Image.new("RGB", (40, 30), colour).save(path, "JPEG", xmp=xmp.encode())
    return path


def test_iptc_xmp_rights_are_filled_on_ingest(library: Library, shoot: Path) -> None:
    _xmp_photo(shoot / "shot.jpg", "Jo Photographer", "2030-01-31")
    report = ingest_paths(library, [shoot])
    info = rights.get_rights(library, report.files[0].asset_id)  # type: ignore[arg-type]
    assert info.holder == "Jo Photographer"
    assert info.licence == "Web shop only"
    assert info.notes == "(c) Jo"
    assert info.expires_at == dt.datetime(2030, 1, 31, tzinfo=dt.UTC)


def test_rematch_links_inbox_files_once_the_product_exists(
    library: Library, shoot: Path, place, add_products, tmp_path: Path
) -> None:
    place("products/mg01-bk-0.jpg", "LATE-1_front_1.jpg")
    report = ingest_paths(library, [shoot])
    assert report.files[0].outcome == "unmatched"
    assert assets.rematch(library).linked == []
    add_products(library, "LATE-1")
    result = assets.rematch(library)
    assert [(f.sku, f.role, f.position) for f in result.linked] == [("LATE-1", "front", 1)]
    assert assets.list_assets(library, unmatched=True) == []
    assert _shown(library, "LATE-1") == [report.files[0].asset_id]


def test_an_import_links_the_files_waiting_for_its_skus(
    library: Library, shoot: Path, place, tmp_path: Path
) -> None:
    place("products/mg01-bk-0.jpg", "NEW-9_main_1.jpg")
    ingest_paths(library, [shoot])
    csv = tmp_path / "products.csv"
    csv.write_text("sku,name-en_US\nNEW-9,Nine\n", encoding="utf-8")
    from pimdesk.services.imports import import_file

    import_file(library, csv)
    assert assets.list_assets(library, unmatched=True) == []
    assert len(_shown(library, "NEW-9")) == 1


def test_rematch_into_an_occupied_slot_becomes_a_new_version(
    library: Library, shoot: Path, place, add_products
) -> None:
    waiting = place("products/mg01-bk-0.jpg", "SLOT-1_main_1.jpg")
    inbox_id = ingest_paths(library, [waiting]).files[0].asset_id
    add_products(library, "SLOT-1")
    place("products/mg02-bk-0.jpg", "hand picked.jpg")
    chosen = ingest_paths(library, [shoot / "hand picked.jpg"]).files[0].asset_id
    assets.link_asset(library, chosen, "SLOT-1", "main", 1)  # by hand, before the rematch
    result = assets.rematch(library)
    assert [(f.outcome, f.asset_id, f.version) for f in result.linked] == [
        ("new_version", chosen, 2)
    ]
    assert result.linked[0].reason == "replaces hand picked.jpg (v1)"
    assert inbox_id not in [a.id for a in assets.list_assets(library)]
    assert _shown(library, "SLOT-1") == [chosen]


def test_rematch_keeps_an_inbox_photo_with_a_history_of_its_own_waiting(
    library: Library, shoot: Path, place, add_products
) -> None:
    """Merging it into the taken slot would delete its earlier versions and tags."""
    waiting = place("products/mg01-bk-0.jpg", "SLOT-1_main_1.jpg")
    inbox_id = ingest_paths(library, [waiting]).files[0].asset_id
    assert inbox_id is not None
    assets.tag_asset(library, inbox_id, ["hero"])
    add_products(library, "SLOT-1")
    place("products/mg02-bk-0.jpg", "hand picked.jpg")
    chosen = ingest_paths(library, [shoot / "hand picked.jpg"]).files[0].asset_id
    assets.link_asset(library, chosen, "SLOT-1", "main", 1)
    result = assets.rematch(library)
    assert result.linked == []
    [still] = assets.list_assets(library, unmatched=True)
    assert still.id == inbox_id and f"already shows asset {chosen}" in (still.inbox_reason or "")
    assert _shown(library, "SLOT-1") == [chosen]


def test_deleted_source_keeps_the_asset_and_is_flagged(
    library: Library, shoot: Path, place, add_products
) -> None:
    asset_id = _one(library, shoot, place, add_products)
    source = shoot / "WB-750_main_1.jpg"
    source.unlink()
    assert mark_missing_at_source(library, [source]) == [asset_id]
    detail = assets.show_asset(library, asset_id)
    assert detail.versions[0].source_missing
    assert Path(detail.versions[0].object_path).is_file()
    assert _shown(library) == [asset_id]
    assert [a.id for a in assets.list_assets(library, problems=True)] == [asset_id]


def test_a_file_back_at_its_path_clears_missing_for_every_version_read_from_it(
    library: Library, shoot: Path, place, add_products
) -> None:
    """v1, v2 from the same file, v1 restored as v3; the folder goes and comes back with
    the file (v2's bytes): the asset is no longer missing at source (it stayed listed)."""
    asset_id = _one(library, shoot, place, add_products)
    source = shoot / "WB-750_main_1.jpg"
    place("products/mg02-bk-0.jpg", source.name)
    ingest_paths(library, [source], source_root=shoot)
    assets.restore_version(library, asset_id, 1)
    kept = source.read_bytes()
    source.unlink()
    assert mark_missing_at_source(library, [source]) == [asset_id]
    source.write_bytes(kept)
    again = ingest_paths(library, [shoot]).files[0]
    assert (again.outcome, again.asset_id) == ("identical", asset_id)
    assert assets.list_assets(library, problems=True) == []
    assert not any(v.source_missing for v in assets.show_asset(library, asset_id).versions)


def test_moved_or_renamed_file_is_no_duplicate(
    library: Library, shoot: Path, place, add_products
) -> None:
    asset_id = _one(library, shoot, place, add_products)
    old = shoot / "WB-750_main_1.jpg"
    new = shoot / "sub" / "renamed.jpg"
    new.parent.mkdir()
    old.rename(new)
    report = ingest_paths(library, [new], source_root=shoot)  # the watcher saw a new file
    assert report.files[0].outcome == "relinked"
    assert report.files[0].asset_id == asset_id
    with library.session() as s:
        assert len(s.scalars(select(AssetVersion)).all()) == 1
    back = shoot / "back.jpg"
    new.rename(back)
    assert source_moved(library, new, back) == [asset_id]
    assert assets.show_asset(library, asset_id).versions[0].source_path == str(back)


def test_identical_bytes_under_another_name_are_stored_once_with_a_history_of_their_own(
    library: Library, shoot: Path, place, add_products
) -> None:
    add_products(library, "WB-750", "WB-751")
    place("products/mg01-bk-0.jpg", "WB-750_main_1.jpg")
    first = ingest_paths(library, [shoot]).files[0]
    place("products/mg01-bk-0.jpg", "WB-751_main_1.jpg")  # the same photo for a second product
    place("products/mg01-bk-0.jpg", "copy of it.jpg")
    report = ingest_paths(library, [shoot])
    by_name = {Path(f.path).name: f for f in report.files}
    second = by_name["WB-751_main_1.jpg"]
    assert second.outcome == "new_asset" and second.asset_id != first.asset_id
    assert second.reason == f"same bytes as asset {first.asset_id}: stored once"
    assert by_name["copy of it.jpg"].outcome == "identical"
    assert len(list((library.root / "objects").rglob("*.jpg"))) == 1
    # Re-shooting one product's photo changes that product only.
    place("products/mg02-bk-0.jpg", "WB-750_main_1.jpg")
    replaced = ingest_paths(library, [shoot / "WB-750_main_1.jpg"], source_root=shoot).files[0]
    assert (replaced.outcome, replaced.asset_id, replaced.version) == (
        "new_version",
        first.asset_id,
        2,
    )
    assert _shown(library, "WB-751") == [second.asset_id]
    shown = assets.show_asset(library, second.asset_id)
    assert [v.number for v in shown.versions] == [1]


def test_link_unlink_alt_and_tags(library: Library, shoot: Path, place, add_products) -> None:
    asset_id = _one(library, shoot, place, add_products)
    add_products(library, "OTHER")
    link = assets.link_asset(library, asset_id, "OTHER", "detail")
    assert (link.role, link.position) == ("detail", 1)
    assert assets.link_asset(library, asset_id, "OTHER", "detail").position == 2
    assert assets.unlink(library, asset_id, "OTHER") == 2
    assert assets.set_alt_text(library, asset_id, "en_US", "A black watch") == {
        "en_US": "A black watch"
    }
    assert assets.tag_asset(library, asset_id, add=["summer", "hero"]) == ["hero", "summer"]
    assert [a.id for a in assets.list_assets(library, tag="hero")] == [asset_id]
    assert [a.id for a in assets.list_assets(library, role="main")] == [asset_id]
    with pytest.raises(NotFoundError):
        assets.link_asset(library, asset_id, "NOPE", "main")


def test_list_pages_by_id(library: Library, shoot: Path, place) -> None:
    for index, name in enumerate(["a.jpg", "b.png", "c.webp"]):
        source = [
            "products/mg01-bk-0.jpg",
            "formats/png_RGBA_8__128x128.png",
            "formats/webp_flower.webp",
        ][index]
        place(source, name)
    ingest_paths(library, [shoot])
    first = assets.list_assets(library, limit=2)
    rest = assets.list_assets(library, after_id=first[-1].id, limit=2)
    assert len(first) == 2 and len(rest) == 1
    assert rest[0].id > first[-1].id


def test_cli_ingest_list_show_and_rights_json(
    library: Library, shoot: Path, place: Callable[..., Path], add_products
) -> None:
    add_products(library, "WB-750")
    place("products/mg01-bk-0.jpg", "WB-750_front_1.jpg")
    runner = CliRunner()
    base = ["--library", str(library.root)]
    result = runner.invoke(cli, [*base, "ingest", "--json", str(shoot)])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    asset_id = report["files"][0]["asset_id"]
    listed = json.loads(runner.invoke(cli, [*base, "assets", "list", "--json"]).output)
    assert [a["id"] for a in listed] == [asset_id]
    shown = json.loads(
        runner.invoke(cli, [*base, "assets", "show", str(asset_id), "--json"]).output
    )
    assert shown["id"] == asset_id
    assert shown["links"] == [
        {
            "sku": "WB-750",
            "model": None,
            "role": "front",
            "position": 1,
            "locale": None,
            "origin": "rule",
        }
    ]
    version = shown["versions"][0]
    assert {"sha256", "size", "width", "height", "exif", "approval", "thumbnail"} <= set(version)
    assert Path(version["thumbnail"]).is_file()
    expires = (dt.date.today() + dt.timedelta(days=7)).isoformat()
    result = runner.invoke(
        cli,
        [
            *base,
            "rights",
            "set",
            str(asset_id),
            "--expires",
            expires,
            "--holder",
            "Ann",
            "--channels",
            "ecommerce",
        ],
    )
    assert result.exit_code == 0, result.output
    expiring = json.loads(runner.invoke(cli, [*base, "rights", "expiring", "--json"]).output)
    assert [(e["id"], e["status"]) for e in expiring] == [(asset_id, "expiring_soon")]
    bad = runner.invoke(cli, [*base, "rights", "set", str(asset_id), "--expires", "soon"])
    assert bad.exit_code == 2
    missing = runner.invoke(cli, [*base, "assets", "show", "999"])
    assert missing.exit_code == 1 and "no asset with id 999" in missing.output


def test_a_file_named_by_a_product_model_code_shows_on_every_variant(
    library: Library, shoot: Path, place
) -> None:
    from pimdesk.catalog.models import Family, FamilyVariant, ProductModel

    with library.session() as s:
        family = s.query(Family).first()
        variant = FamilyVariant(code="by_color", family_id=family.id, axes_level1=["color"])
        s.add(variant)
        s.flush()
        model = ProductModel(code="TEE", family_variant_id=variant.id)
        s.add(model)
        s.flush()
        s.add_all(
            [
                Product(sku="TEE-RED", parent_id=model.id),
                Product(sku="TEE-BLUE", parent_id=model.id),
            ]
        )
    place("products/mg01-bk-0.jpg", "TEE_lifestyle_1.jpg")
    report = ingest_paths(library, [shoot])
    assert report.files[0].outcome == "new_asset"
    assert len(report.product_ids) == 2  # both variants' listings changed
    assert _shown(library, "TEE-RED") == _shown(library, "TEE-BLUE") == [report.files[0].asset_id]


def test_status_and_search_include_assets(
    library: Library, shoot: Path, place, add_products
) -> None:
    from pimdesk.services.search import search
    from pimdesk.services.status import library_status

    asset_id = _one(library, shoot, place, add_products)
    place("products/mg02-bk-0.jpg", "stray.jpg")
    ingest_paths(library, [shoot])
    (shoot / "broken.jpg").write_bytes(b"")
    ingest_paths(library, [shoot])
    assets.tag_asset(library, asset_id, add=["hero"])
    section = library_status(library)["assets"]
    assert (section["assets"], section["inbox"], section["problems"]) == (2, 1, 1)
    found = [(r.kind, r.id) for r in search(library, "HERO") if r.kind == "asset"]
    assert found == [("asset", asset_id)]
    assert [r.title for r in search(library, "stray") if r.kind == "asset"] == ["stray"]
    assert [r for r in search(library, "%_") if r.kind == "asset"] == []


def test_rule_options_unknown_sku_create_and_strict(library: Library, shoot: Path, place) -> None:
    from pimdesk.services.rules import add_rule

    add_rule(
        library, "drafts", "NEW_{sku}_{role}.{ext}", options={"unknown_sku": "create"}, position=1
    )
    add_rule(library, "strict", "STRICT_{sku}.{ext}", options={"strict": True}, position=1)
    place("products/mg01-bk-0.jpg", "NEW_FRESH-1_front.jpg")
    place("products/mg02-bk-0.jpg", "STRICT_NOPE-1.jpg")
    report = ingest_paths(library, [shoot])
    by_name = {Path(f.path).name: f for f in report.files}
    created = by_name["NEW_FRESH-1_front.jpg"]
    assert (created.outcome, created.sku, created.role) == ("new_asset", "FRESH-1", "front")
    with library.session() as s:
        product = s.scalars(select(Product).where(Product.sku == "FRESH-1")).one()
        assert product.enabled is False  # a draft product, to be completed
    assert by_name["STRICT_NOPE-1.jpg"].outcome == "problem"
    assert "STRICT_NOPE-1.jpg" in {Path(p.path).name for p in assets.problems(library)}


def test_a_file_renamed_to_name_another_product_is_linked_there(
    library: Library, shoot: Path, place, add_products
) -> None:
    asset_id = _one(library, shoot, place, add_products)
    add_products(library, "WB-751")
    (shoot / "WB-750_main_1.jpg").rename(shoot / "WB-751_main_1.jpg")
    report = ingest_paths(library, [shoot])
    assert (report.files[0].outcome, report.files[0].asset_id) == ("relinked", asset_id)
    assert report.files[0].reason.endswith("no longer linked to WB-750 main 1")
    assert _shown(library, "WB-751") == [asset_id]
    assert _shown(library, "WB-750") == []  # the photographer fixed a wrong SKU


def test_a_rename_to_another_role_moves_the_link_and_keeps_links_made_by_hand(
    library: Library, shoot: Path, place, add_products
) -> None:
    asset_id = _one(library, shoot, place, add_products, name="WB-750_back_2.jpg")
    add_products(library, "OTHER")
    assets.link_asset(library, asset_id, "OTHER", "detail")
    (shoot / "WB-750_back_2.jpg").rename(shoot / "WB-750_detail_2.jpg")
    report = ingest_paths(library, [shoot])
    assert report.files[0].outcome == "relinked"
    links = {
        (link.sku, link.role, link.position) for link in assets.show_asset(library, asset_id).links
    }
    assert links == {("WB-750", "detail", 2), ("OTHER", "detail", 1)}


def test_new_content_in_a_file_linked_by_hand_is_its_next_version(
    library: Library, shoot: Path, place, add_products
) -> None:
    add_products(library, "WB-750")
    place("products/mg01-bk-0.jpg", "IMG_4411.jpg")  # a camera name: waits in the inbox
    first = ingest_paths(library, [shoot]).files[0]
    assert first.outcome == "unmatched"
    assert first.reason.startswith("IMG_4411.jpg is a camera's own file name, not a product's")
    assert "rename it after its product" in first.reason
    assert assets.rematch(library).waiting[0].reason == first.reason  # the same words again
    assets.link_asset(library, first.asset_id, "WB-750", "detail")
    place("products/mg02-bk-0.jpg", "IMG_4411.jpg")  # re-exported over the same file
    again = ingest_paths(library, [shoot]).files[0]
    assert (again.outcome, again.asset_id, again.version) == ("new_version", first.asset_id, 2)
    assert len(assets.list_assets(library)) == 1


def test_a_strict_rule_set_lists_unknown_skus_and_unmatched_files_as_problems(
    library: Library, shoot: Path, place, add_products
) -> None:
    from pimdesk.services.rules import set_options

    add_products(library, "WB-750")
    set_options(library, {"strict": True})
    place("products/mg01-bk-0.jpg", "WB-750_main_1.jpg")
    place("products/mg02-bk-0.jpg", "NOPE-1_main_1.jpg")
    place("products/wg01-bk-0.jpg", "holiday snap")  # no rule matches a name without .ext
    report = ingest_paths(library, [shoot])
    outcomes = {Path(f.path).name: f.outcome for f in report.files}
    assert outcomes == {
        "WB-750_main_1.jpg": "new_asset",
        "NOPE-1_main_1.jpg": "problem",
        "holiday snap": "problem",
    }
    reasons = {Path(p.path).name: p.reason for p in assets.problems(library)}
    assert "'NOPE-1' is not a known product" in reasons["NOPE-1_main_1.jpg"]
    assert reasons["holiday snap"].startswith("no filename rule matched (strict rules")
    assert assets.list_assets(library, unmatched=True) == []  # nothing waits in the inbox


def test_position_0_in_a_name_is_the_first_image_not_a_slot_of_its_own(
    library: Library, shoot: Path, place, add_products
) -> None:
    add_products(library, "WB-750")
    place("products/mg01-bk-0.jpg", "WB-750_main_0.jpg")
    first = ingest_paths(library, [shoot]).files[0]
    assert (first.outcome, first.role, first.position) == ("new_asset", "main", 1)
    (shoot / "WB-750_main_0.jpg").unlink()
    place("products/mg02-bk-0.jpg", "WB-750_main.jpg")
    second = ingest_paths(library, [shoot]).files[0]
    assert (second.outcome, second.asset_id, second.version) == ("new_version", first.asset_id, 2)
    assert _shown(library) == [first.asset_id]


def test_thousands_of_deleted_files_are_flagged_in_one_call(
    library: Library, shoot: Path, place, add_products
) -> None:
    """A folder of photos deleted while nothing watched: the reconciliation passes every
    path at once (SQLite refuses one expression of more than 1,000 terms)."""
    asset_id = _one(library, shoot, place, add_products)
    (shoot / "WB-750_main_1.jpg").unlink()
    others = [shoot / f"gone_{n}.jpg" for n in range(1500)]
    assert mark_missing_at_source(library, [*others, shoot / "WB-750_main_1.jpg"]) == [asset_id]
    assert assets.show_asset(library, asset_id).versions[0].source_missing


def test_another_file_for_an_occupied_slot_says_which_photo_it_replaces(
    library: Library, shoot: Path, place, add_products
) -> None:
    asset_id = _one(library, shoot, place, add_products)  # WB-750_main_1.jpg
    place("products/mg02-bk-0.jpg", "WB-750.MAIN.jpg")  # Amazon's name for the same slot
    report = ingest_paths(library, [shoot / "WB-750.MAIN.jpg"], source_root=shoot)
    outcome = report.files[0]
    assert (outcome.outcome, outcome.asset_id, outcome.version) == ("new_version", asset_id, 2)
    assert outcome.reason == "replaces WB-750_main_1.jpg (v1)"


def test_searching_a_sku_finds_its_photos_whatever_their_file_names(
    library: Library, shoot: Path, place, add_products
) -> None:
    from pimdesk.services.search import search

    add_products(library, "SHOE-9", "SHOE-10")
    place("products/mg01-bk-0.jpg", "SHOE-9/back.jpg")  # the folder names the product
    place("products/mg02-bk-0.jpg", "SHOE-10/IMG_0012.jpg")
    ingest_paths(library, [shoot])
    found = [(r.title, r.matched) for r in search(library, "shoe-9") if r.kind == "asset"]
    assert found == [("back", "link")]
    assert [r.title for r in search(library, "SHOE-10") if r.kind == "asset"] == ["IMG_0012"]
    assert [r.title for r in search(library, "back") if r.kind == "asset"] == ["back"]


def _sha(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def _current_sha(library: Library, asset_id: int) -> str:
    versions = assets.show_asset(library, asset_id).versions
    return max(versions, key=lambda v: v.number).sha256


def test_a_copy_of_an_older_take_saved_for_another_product_is_a_photo_of_its_own(
    library: Library, shoot: Path, place, add_products
) -> None:
    """v1 and v2 came from one file, which is then deleted; v1's bytes arrive under another
    product's name. Not a move: v1 is not what the first product shows."""
    asset_id = _one(library, shoot, place, add_products)
    add_products(library, "WB-751")
    place("products/mg02-bk-0.jpg", "WB-750_main_1.jpg")
    assert ingest_paths(library, [shoot]).files[0].version == 2
    (shoot / "WB-750_main_1.jpg").unlink()
    older = place("products/mg01-bk-0.jpg", "WB-751_detail_1.jpg")

    outcome = ingest_paths(library, [shoot]).files[0]

    assert outcome.outcome == "new_asset" and outcome.asset_id != asset_id
    assert _shown(library, "WB-750") == [asset_id]  # the first product keeps its photo
    assert _current_sha(library, asset_id) == _sha(PHOTOS / "products/mg02-bk-0.jpg")
    assert _shown(library, "WB-751") == [outcome.asset_id]
    assert _current_sha(library, outcome.asset_id) == _sha(older)


def test_a_file_put_back_to_an_earlier_take_makes_that_take_current(
    library: Library, shoot: Path, place, add_products
) -> None:
    asset_id = _one(library, shoot, place, add_products)
    place("products/mg02-bk-0.jpg", "WB-750_main_1.jpg")
    ingest_paths(library, [shoot])
    back = place("products/mg01-bk-0.jpg", "WB-750_main_1.jpg")

    outcome = ingest_paths(library, [shoot]).files[0]

    assert (outcome.outcome, outcome.asset_id, outcome.version) == ("new_version", asset_id, 3)
    assert outcome.reason == "the file holds v1's photo again"
    assert _current_sha(library, asset_id) == _sha(back)
    assert _shown(library) == [asset_id]
    again = ingest_paths(library, [back], source_root=shoot).files[0]  # touched, same bytes
    assert (again.outcome, again.version) == ("identical", 3)


def test_a_photo_renamed_over_another_products_photo_becomes_its_next_version(
    library: Library, shoot: Path, place, add_products
) -> None:
    add_products(library, "WB-750", "WB-751")
    place("products/mg01-bk-0.jpg", "WB-750_main_1.jpg")
    place("products/mg02-bk-0.jpg", "WB-751_main_1.jpg")
    first = {Path(f.path).name: f.asset_id for f in ingest_paths(library, [shoot]).files}
    (shoot / "WB-750_main_1.jpg").rename(shoot / "WB-751_main_1.jpg")  # over the other one

    outcome = ingest_paths(library, [shoot]).files[0]

    kept, target = first["WB-750_main_1.jpg"], first["WB-751_main_1.jpg"]
    assert (outcome.outcome, outcome.asset_id, outcome.version) == ("new_version", target, 2)
    assert outcome.reason == (
        f"was WB-750_main_1.jpg (asset {kept}, which keeps its photo, missing at source)"
    )
    assert _current_sha(library, target) == _sha(shoot / "WB-751_main_1.jpg")
    assert _shown(library, "WB-751") == [target]
    assert _shown(library, "WB-750") == [kept]
    assert assets.show_asset(library, kept).versions[0].source_missing


def test_a_reshot_photo_says_which_rights_apply_and_keeps_rights_entered_by_hand(
    library: Library, shoot: Path, place, add_products
) -> None:
    asset_id = _one(library, shoot, place, add_products)
    rights.set_rights(
        library, asset_id, holder="Demo Studio", expires_at=dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    )
    place("products/mg02-bk-0.jpg", "WB-750_main_1.jpg")  # no rights of its own
    plain = ingest_paths(library, [shoot]).files[0]
    assert plain.reason == "the asset's rights apply: holder Demo Studio, expires 2030-01-01"
    _xmp_photo(shoot / "WB-750_main_1.jpg", "Kim Lens", "2031-05-01")
    own = ingest_paths(library, [shoot]).files[0]
    assert own.version == 3
    assert own.reason == (
        "the asset's rights apply: holder Demo Studio, expires 2030-01-01 (the file's own, "
        f"holder Kim Lens, licence Web shop only, expires 2031-05-01, were not applied: "
        f"pimdesk rights set {asset_id} ...)"
    )
    assert rights.get_rights(library, asset_id).holder == "Demo Studio"


def test_a_reshot_photo_with_its_own_iptc_rights_replaces_rights_read_from_the_old_file(
    library: Library, shoot: Path, add_products
) -> None:
    add_products(library, "WB-750")
    _xmp_photo(shoot / "WB-750_main_1.jpg", "Jo Photographer", "2030-01-31")
    asset_id = ingest_paths(library, [shoot]).files[0].asset_id
    assert asset_id is not None
    _xmp_photo(shoot / "WB-750_main_1.jpg", "Kim Lens", "2031-05-01", colour="teal")
    outcome = ingest_paths(library, [shoot]).files[0]
    assert (outcome.outcome, outcome.version) == ("new_version", 2)
    assert outcome.reason == (
        "rights from the file's IPTC/XMP: holder Kim Lens, licence Web shop only, "
        "expires 2031-05-01"
    )
    info = rights.get_rights(library, asset_id)
    assert (info.holder, info.expires_at) == ("Kim Lens", dt.datetime(2031, 5, 1, tzinfo=dt.UTC))
    # Once a person edits them, the next file's own rights no longer replace them.
    rights.set_rights(library, asset_id, licence="All channels")
    assert rights.get_rights(library, asset_id).source == "embedded IPTC/XMP, edited"
    _xmp_photo(shoot / "WB-750_main_1.jpg", "Someone Else", "2032-01-01", colour="olive")
    third = ingest_paths(library, [shoot]).files[0]
    assert third.version == 3 and third.reason.startswith("the asset's rights apply")
    assert rights.get_rights(library, asset_id).holder == "Kim Lens"


def test_an_inbox_photo_renamed_onto_a_taken_slot_leaves_the_inbox(
    library: Library, shoot: Path, place, add_products
) -> None:
    """The photographer sees IMG_2041.jpg waiting and renames it to replace the main photo."""
    asset_id = _one(library, shoot, place, add_products)
    waiting = place("products/mg02-bk-0.jpg", "IMG_2041.jpg")
    assert ingest_paths(library, [shoot]).summary()["unmatched"] == 1
    waiting.rename(shoot / "WB-750_main_1.jpg")

    outcome = ingest_paths(library, [shoot]).files[0]

    assert (outcome.outcome, outcome.asset_id, outcome.version) == ("new_version", asset_id, 2)
    assert outcome.reason == "was IMG_2041.jpg, waiting in the inbox"
    assert assets.list_assets(library, unmatched=True) == []
    assert _current_sha(library, asset_id) == _sha(PHOTOS / "products/mg02-bk-0.jpg")


def test_the_original_put_back_after_its_reshoot_moved_to_another_product_shows_again(
    library: Library, shoot: Path, place, add_products
) -> None:
    """A's photo re-shot in place; the re-shoot was really B's (renamed to B); A's original
    is copied back: A shows it again (it was 'identical' and A stayed without a photo)."""
    asset_id = _one(library, shoot, place, add_products)
    add_products(library, "WB-751")
    place("products/mg02-bk-0.jpg", "WB-750_main_1.jpg")
    ingest_paths(library, [shoot])
    (shoot / "WB-750_main_1.jpg").rename(shoot / "WB-751_main_1.jpg")
    assert ingest_paths(library, [shoot]).files[0].outcome == "relinked"
    back = place("products/mg01-bk-0.jpg", "WB-750_main_1.jpg")

    outcome = next(
        f for f in ingest_paths(library, [shoot]).files if f.path.endswith("WB-750_main_1.jpg")
    )

    assert outcome.outcome == "new_asset" and outcome.asset_id != asset_id
    assert _shown(library, "WB-750") == [outcome.asset_id]
    assert _current_sha(library, outcome.asset_id) == _sha(back)
    assert _shown(library, "WB-751") == [asset_id]


def test_a_renamed_draft_reshoot_leaves_the_approved_photo_where_it_is(
    library: Library, shoot: Path, place, add_products
) -> None:
    asset_id = _one(library, shoot, place, add_products)
    add_products(library, "WB-751")
    with library.session() as s:
        settings.put(s, settings.AUTO_APPROVE, False)
    place("products/mg02-bk-0.jpg", "WB-750_main_1.jpg")  # v2, a draft
    ingest_paths(library, [shoot])
    (shoot / "WB-750_main_1.jpg").rename(shoot / "WB-751_main_1.jpg")

    outcome = ingest_paths(library, [shoot]).files[0]

    assert outcome.outcome == "new_asset" and outcome.asset_id != asset_id
    assert _shown(library, "WB-750") == [asset_id]  # its approved v1, not moved away
    assert _current_sha(library, outcome.asset_id) == _sha(PHOTOS / "products/mg02-bk-0.jpg")


def test_a_shared_photo_renamed_for_one_product_does_not_move_the_others(
    library: Library, shoot: Path, place, add_products
) -> None:
    add_products(library, "WB-750", "WB-751")
    place("products/mg01-bk-0.jpg", "WB-750_main_1.jpg")
    place("products/mg01-bk-0.jpg", "WB-751_main_1.jpg")
    first = {Path(f.path).name: f.asset_id for f in ingest_paths(library, [shoot]).files}
    (shoot / "WB-750_main_1.jpg").unlink()
    mark_missing_at_source(library, [shoot / "WB-750_main_1.jpg"])
    (shoot / "WB-751_main_1.jpg").rename(shoot / "WB-751_main_2.jpg")

    outcome = ingest_paths(library, [shoot]).files[0]

    assert (outcome.outcome, outcome.asset_id) == ("relinked", first["WB-751_main_1.jpg"])
    assert _shown(library, "WB-750") == [first["WB-750_main_1.jpg"]]  # deleting changes nothing
    assert _shown(library, "WB-751") == [first["WB-751_main_1.jpg"]]


def test_an_older_take_saved_under_another_name_for_the_slot_is_current_again(
    library: Library, shoot: Path, place, add_products
) -> None:
    asset_id = _one(library, shoot, place, add_products)
    place("products/mg02-bk-0.jpg", "WB-750_main_1.jpg")
    ingest_paths(library, [shoot])
    (shoot / "WB-750_main_1.jpg").unlink()
    older = place("products/mg01-bk-0.jpg", "WB-750_main_01.jpg")

    outcome = ingest_paths(library, [shoot]).files[0]

    assert (outcome.outcome, outcome.asset_id, outcome.version) == ("new_version", asset_id, 3)
    assert outcome.reason == "v1's photo again"
    assert _current_sha(library, asset_id) == _sha(older)


def test_a_folder_deleted_or_moved_takes_only_its_own_files_along(
    library: Library, shoot: Path, place, add_products
) -> None:
    """'_' and '%' in a folder name are no wildcards, and case counts."""
    add_products(library, "WB-750", "WB-751")
    place("products/mg01-bk-0.jpg", "A/WB-750_main_1.jpg")
    place("products/mg02-bk-0.jpg", "AxB/WB-751_main_1.jpg")
    ingest_paths(library, [shoot])
    assert mark_missing_at_source(library, [shoot / "a"]) == []
    assert mark_missing_at_source(library, [shoot / "A_B"]) == []
    assert source_moved(library, shoot / "A_B", shoot / "Z") == []
    assert assets.list_assets(library, problems=True) == []


def test_a_hero_and_a_camera_shot_arriving_together_both_show(
    library: Library, shoot: Path, place, add_products
) -> None:
    """A/IMG_0001.jpg (no position: the next free one) and A_main_1.jpg in one ingest: the
    named one takes main 1 whatever the order, the camera shot main 2."""
    add_products(library, "WB-750")
    place("products/mg01-bk-0.jpg", "WB-750/IMG_0001.jpg")
    place("products/mg02-bk-0.jpg", "WB-750_main_1.jpg")
    report = ingest_paths(library, [shoot])
    placed = {Path(f.path).name: (f.outcome, f.role, f.position) for f in report.files}
    assert placed == {
        "WB-750_main_1.jpg": ("new_asset", "main", 1),
        "IMG_0001.jpg": ("new_asset", "main", 2),
    }
    assert len(_shown(library)) == 2
