"""Auto-publish: a change that lands republishes auto-publish channels by itself."""

from __future__ import annotations

import datetime as dt
import time

from sqlalchemy import select

from pimdesk.catalog.models import AssetLink, AssetRights
from pimdesk.channels.autopublish import AutoPublisher
from pimdesk.services import products, publishing

from .conftest import Shop, read_feed


def wait_for(predicate, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


def test_new_photo_and_edit_reach_the_feed_without_a_publish_command(shop: Shop) -> None:
    shop.add_channel(auto_publish="true")
    publishing.add_channel(
        shop.library, "manual", exporter="test_feed", settings={"output": str(shop.out.parent)}
    )
    shop.product("CUP-1", name="Cup")
    shop.drop_photo("CUP-1_main_1.jpg")
    with AutoPublisher(shop.library, debounce=0.05) as auto:
        assert auto.wait_idle()
        wait_for(lambda: (shop.out / "feed.json").exists())
        first = read_feed(shop.out)["items"][0]
        assert first["sku"] == "CUP-1" and len(first["images"]) == 1

        shop.drop_photo("CUP-1_main_1.jpg", color=(10, 10, 200))  # a new version
        assert auto.wait_idle()
        second = read_feed(shop.out)["items"][0]
        assert second["versions"] != first["versions"]

        products.set_values(shop.library, "CUP-1", {"name-en_US": "Big cup"})
        assert auto.wait_idle()
        assert read_feed(shop.out)["items"][0]["title"] == "Big cup"
        assert auto.stats.errors == []
    # the channel without auto_publish was left alone
    assert not (shop.out.parent / "feed.json").exists()
    runs = publishing.publish_history(shop.library, "web")
    assert {r.mode for r in runs} == {"auto"}


def test_expiry_check_at_start_withdraws_an_expired_photo(shop: Shop) -> None:
    shop.add_channel(auto_publish="true")
    shop.product("HAT")
    shop.drop_photo("HAT_main_1.jpg")
    shop.drop_photo("HAT_side_1.jpg", color=(0, 90, 0))
    shop.publish()
    assert len(read_feed(shop.out)["items"][0]["images"]) == 2
    with shop.library.session() as s:
        link = s.scalars(select(AssetLink).where(AssetLink.role == "side")).one()
        rights = s.get(AssetRights, link.asset_id) or AssetRights(asset_id=link.asset_id)
        rights.expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
        s.add(rights)
    with AutoPublisher(shop.library, debounce=0.05) as auto:
        wait_for(lambda: len(read_feed(shop.out)["items"][0]["images"]) == 1)
        assert auto.wait_idle()
        assert auto.stats.errors == []


def test_a_failing_channel_is_reported_and_the_publisher_keeps_running(shop: Shop) -> None:
    shop.add_channel(auto_publish="true", fail_mid_write="true")
    shop.product("F-1")
    errors: list[tuple[str, str]] = []
    with AutoPublisher(
        shop.library, debounce=0.05, on_error=lambda w, m: errors.append((w, m))
    ) as auto:
        auto.poke()
        wait_for(lambda: bool(errors))
        assert errors[0][0] == "web" and "previous output is unchanged" in errors[0][1]
        publishing.set_channel(shop.library, "web", {"fail_mid_write": "false"})
        wait_for(lambda: (shop.out / "feed.json").exists())


def test_changes_made_by_another_process_are_published(shop: Shop) -> None:
    """`pimdesk products set` / `rights set` in another terminal while the watcher runs."""
    import subprocess
    import sys

    shop.add_channel(auto_publish="true")
    shop.product("JUG-1", name="Jug")
    shop.drop_photo("JUG-1_main_1.jpg")
    shop.drop_photo("JUG-1_side_1.jpg", color=(0, 90, 0))
    with shop.library.session() as s:
        side = s.scalars(select(AssetLink.asset_id).where(AssetLink.role == "side")).one()

    def cli(*args: str) -> None:
        command = [sys.executable, "-m", "pimdesk", "--library", str(shop.library.root), *args]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    with AutoPublisher(shop.library, debounce=0.05, poll_interval=0.2) as auto:
        assert auto.wait_idle()
        wait_for(lambda: (shop.out / "feed.json").exists())
        assert len(read_feed(shop.out)["items"][0]["images"]) == 2

        cli("products", "set", "JUG-1", "name-en_US=Stoneware jug")
        wait_for(lambda: read_feed(shop.out)["items"][0]["title"] == "Stoneware jug", 60)

        cli("rights", "set", str(side), "--expires", "2020-01-01")
        wait_for(lambda: len(read_feed(shop.out)["items"][0]["images"]) == 1, 60)
        assert auto.stats.errors == []


def test_a_channel_setting_changed_by_another_process_is_published(any_shop: Shop) -> None:
    """`pimdesk channels set web auto_publish=true` in another terminal while the watcher
    runs: what is waiting goes out without a catalog change or a photo drop; and a field
    mapped elsewhere there reaches the feed the same way."""
    shop = any_shop
    import subprocess
    import sys

    shop.add_channel(exporter="storefront")  # auto-publish off
    shop.product("JUG-1", name="Jug", brand="Acme Goods")
    shop.drop_photo("JUG-1_main_1.jpg")

    def cli(*args: str) -> None:
        command = [sys.executable, "-m", "pimdesk", "--library", str(shop.library.root), *args]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def site() -> str:
        return "".join(p.read_text("utf-8") for p in sorted(shop.out.rglob("*.html")))

    def published() -> int:
        return publishing.channel_counts(shop.library, "web").published

    with AutoPublisher(shop.library, debounce=0.05, poll_interval=0.2) as auto:
        assert auto.wait_idle()
        assert published() == 0  # auto-publish is off: nothing went out
        cli("channels", "set", "web", "auto_publish=true")
        wait_for(lambda: published() == 1, 60)
        assert "Jug" in site() and "Acme Goods" in site()

        cli("channels", "map", "web", "brand", "")  # the brand now comes from nowhere
        wait_for(lambda: "Acme Goods" not in site(), 60)
        assert "Jug" in site()
        assert auto.stats.errors == []
    assert {r.mode for r in publishing.publish_history(shop.library, "web")} == {"auto"}
