"""publishable_images: what a channel may show. An expired or not-yet-valid asset never
comes out, whatever the dates (property test over dates)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pimdesk.assets.publishable import publishable_images, publishable_images_many
from pimdesk.catalog.models import (
    Asset,
    AssetLink,
    AssetRights,
    AssetVersion,
    Channel,
    Family,
    FamilyVariant,
    Product,
    ProductModel,
)
from pimdesk.library import Library

UTC = dt.UTC
NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def library(any_library: Library) -> Library:
    """These tests run on every engine under test (SQLite, and PostgreSQL when configured)."""
    return any_library


def _asset(session, *, role="main", position=1, kind="image", approvals=("approved",), **rights):
    asset = Asset(kind=kind, title=f"{role}{position}", alt_text={"en_US": "alt"}, metadata_={})
    for number, approval in enumerate(approvals, start=1):
        asset.versions.append(
            AssetVersion(
                number=number,
                sha256=f"{number:02d}" + "a" * 62,
                size=1,
                format="JPEG",
                extension="jpg",
                width=800,
                height=600,
                exif={},
                source_path=f"/shoot/{role}{position}v{number}.jpg",
                approval=approval,
            )
        )
    if rights:
        asset.rights = AssetRights(**rights)
    session.add(asset)
    session.flush()
    return asset


def _link(session, asset, product_id=None, model_id=None, role="main", position=1):
    session.add(
        AssetLink(
            asset_id=asset.id,
            product_id=product_id,
            product_model_id=model_id,
            role=role,
            position=position,
        )
    )
    session.flush()


def _product(session, sku="P-1", parent_id=None) -> int:
    product = Product(sku=sku, parent_id=parent_id)
    session.add(product)
    session.flush()
    return product.id


def test_order_approval_kind_and_channel(library: Library) -> None:
    with library.session() as s:
        s.add(Channel(code="amazon", label="Amazon", locales=["en_US"], currencies=["USD"]))
        pid = _product(s)
        for role, position in [
            ("swatch", 1),
            ("detail", 2),
            ("main", 1),
            ("zoom", 1),
            ("back", 1),
            ("detail", 1),
            ("angle", 1),
        ]:
            _link(s, _asset(s, role=role, position=position), pid, role=role, position=position)
        _link(s, _asset(s, role="front", approvals=("draft",)), pid, role="front")
        _link(s, _asset(s, role="side", approvals=("rejected",)), pid, role="side")
        _link(s, _asset(s, role="manual", kind="document"), pid, role="manual")
        _link(s, _asset(s, role="lifestyle", allowed_channels=["amazon"]), pid, role="lifestyle")
        images = publishable_images(s, pid, "ecommerce", NOW)
        assert [(i.role, i.position) for i in images] == [
            ("main", 1),
            ("back", 1),
            ("detail", 1),
            ("detail", 2),
            ("swatch", 1),
            ("angle", 1),
            ("zoom", 1),
        ]
        on_amazon = [i.role for i in publishable_images(s, pid, "amazon", NOW)]
        assert "lifestyle" in on_amazon
        assert images[0].alt_text == {"en_US": "alt"}
        assert isinstance(images[0].object_path, Path)
        assert images[0].object_path.parent.parent.name == "objects"


def test_newest_approved_version_is_the_one_shown(library: Library) -> None:
    with library.session() as s:
        pid = _product(s)
        asset = _asset(s, approvals=("approved", "approved", "draft"))
        _link(s, asset, pid)
        [image] = publishable_images(s, pid, "ecommerce", NOW)
        assert image.version_id == asset.versions[1].id
        assert image.sha256 == asset.versions[1].sha256


def test_parent_model_images_are_included_and_the_variant_wins_its_slot(
    library: Library,
) -> None:
    with library.session() as s:
        family = s.query(Family).first()
        variant = FamilyVariant(code="by_color", family_id=family.id, axes_level1=["color"])
        s.add(variant)
        s.flush()
        model = ProductModel(code="TEE", family_variant_id=variant.id)
        s.add(model)
        s.flush()
        pid = _product(s, "TEE-RED", parent_id=model.id)
        model_main = _asset(s, role="main")
        model_back = _asset(s, role="back")
        own_main = _asset(s, role="main", position=1)
        _link(s, model_main, model_id=model.id, role="main")
        _link(s, model_back, model_id=model.id, role="back")
        _link(s, own_main, pid, role="main")
        images = publishable_images(s, pid, "ecommerce", NOW)
        assert [(i.role, i.asset_id) for i in images] == [
            ("main", own_main.id),
            ("back", model_back.id),
        ]
        sibling = _product(s, "TEE-BLUE", parent_id=model.id)
        many = publishable_images_many(s, [pid, sibling], "ecommerce", NOW)
        assert many == {
            pid: images,
            sibling: publishable_images(s, sibling, "ecommerce", NOW),
        }


dates = st.datetimes(
    min_value=dt.datetime(2020, 1, 1), max_value=dt.datetime(2032, 1, 1), timezones=st.just(UTC)
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    at=dates,
    valid_from=st.none() | dates,
    expires_at=st.none() | dates,
)
def test_never_expired_or_not_yet_valid(
    library: Library, at: dt.datetime, valid_from, expires_at
) -> None:
    with library.session() as s:
        pid = _product(s, sku=f"P-{at.timestamp()}-{valid_from}-{expires_at}")
        asset = _asset(s, valid_from=valid_from, expires_at=expires_at, holder="x")
        _link(s, asset, pid)
        shown = [i.asset_id for i in publishable_images(s, pid, "ecommerce", at)]
        allowed = (valid_from is None or valid_from <= at) and (
            expires_at is None or at < expires_at
        )
        assert shown == ([asset.id] if allowed else [])
        for image in publishable_images(s, pid, "ecommerce", at):
            assert image.expires_at is None or image.expires_at > at
        assert publishable_images_many(s, [pid], "ecommerce", at) == {
            pid: publishable_images(s, pid, "ecommerce", at)
        }
        s.rollback()
