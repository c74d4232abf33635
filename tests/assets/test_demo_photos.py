"""The demo shows the whole asset loop: photos linked by the rules, a second version, rights
expiring and expired, a file waiting in the inbox."""

from __future__ import annotations

from sqlalchemy import select

from pimdesk.assets.publishable import publishable_images
from pimdesk.catalog.models import Product
from pimdesk.library import Library
from pimdesk.services import assets
from pimdesk.services.demo import load_demo


def test_demo_photos_show_every_part_of_the_loop(library: Library) -> None:
    load_demo(library)
    listed = assets.list_assets(library)
    assert len(listed) >= 20
    assert any(a.version == 2 for a in listed)
    assert [a.rights_status for a in assets.list_assets(library, expiring=True)] == [
        "expiring_soon"
    ]
    expired = assets.list_assets(library, expired=True)
    assert [a.rights_status for a in expired] == ["expired"]
    inbox = assets.list_assets(library, unmatched=True)
    assert len(inbox) == 1 and inbox[0].inbox_reason
    with library.session() as s:
        small_white_tee = s.scalar(select(Product.id).where(Product.sku == "TEE-ORG-WHI-S"))
        images = publishable_images(s, small_white_tee, "storefront")
        assert [i.role for i in images][:1] == ["main"]  # linked to its colour's model
        pour = s.scalar(select(Product.id).where(Product.sku == "POUR-CER-02"))
        shown = {i.asset_id for i in publishable_images(s, pour, "storefront")}
        assert expired[0].id not in shown
    assert load_demo(library).already
