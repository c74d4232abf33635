"""The batch form of publishable_images gives exactly what the one-product form gives."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from pimdesk.assets.publishable import publishable_images, publishable_images_many
from pimdesk.catalog.models import AssetLink, AssetRights, AssetVersion

from .conftest import Shop


def test_batch_matches_single_product_answers(shop: Shop) -> None:
    for sku in ("A-1", "B-1", "C-1"):
        shop.product(sku)
    shop.drop_photo("A-1_main_1.jpg")
    shop.drop_photo("A-1_back_1.jpg", color=(1, 2, 3))
    shop.drop_photo("A-1_detail_2.jpg", color=(4, 5, 6))
    shop.drop_photo("B-1_main_1.jpg", color=(7, 8, 9))
    shop.drop_photo("B-1_side_1.jpg", color=(10, 11, 12))
    with shop.library.session() as s:
        links = {link.role: link for link in s.scalars(select(AssetLink))}
        rights = s.get(AssetRights, links["back"].asset_id) or AssetRights(
            asset_id=links["back"].asset_id
        )
        rights.expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
        s.add(rights)
        other = s.get(AssetRights, links["side"].asset_id) or AssetRights(
            asset_id=links["side"].asset_id
        )
        other.allowed_channels = ["somewhere_else"]
        s.add(other)
        detail = s.scalars(
            select(AssetVersion).where(AssetVersion.asset_id == links["detail"].asset_id)
        ).one()
        detail.approval = "draft"
    with shop.library.session() as s:
        ids = list(shop.ids.values())
        many = publishable_images_many(s, ids, "web")
        for pid in ids:
            assert many[pid] == publishable_images(s, pid, "web")
        assert [i.role for i in many[shop.ids["A-1"]]] == ["main"]
        assert [i.role for i in many[shop.ids["B-1"]]] == ["main"]
        assert many[shop.ids["C-1"]] == []
