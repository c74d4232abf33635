"""What ``pimdesk publish`` says: the history of every channel, dry runs in the conditional
with the SKUs named, each blocked product's reasons once, pending withdrawals counted as such.
"""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from pimdesk.cli import cli
from pimdesk.library import Library
from pimdesk.services import products, publishing


def run(library: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["--library", str(library), *args])
    return result.exit_code, result.stdout, result.stderr


def two_channels(tmp_path: Path) -> Path:
    """A library with channels ``shop`` (Shopify CSV) and ``web`` (folder), both published."""
    root = tmp_path / "lib"
    with Library.open(root) as lib:
        for code, exporter in (("shop", "shopify_csv"), ("web", "folder")):
            out = tmp_path / code
            publishing.add_channel(lib, code, exporter=exporter, settings={"output": str(out)})
        for sku in ("A-1", "B-1", "C-1"):
            products.create_product(lib, sku, values={"name-en_US": sku, "price-USD": "3"})
        publishing.publish_channel(lib, "shop")
        publishing.publish_channel(lib, "web")
    return root


def test_history_without_a_channel_lists_the_runs_of_every_channel(tmp_path: Path) -> None:
    root = two_channels(tmp_path)
    code, stdout, err = run(root, "publish", "--history")
    assert code == 0, err
    lines = [line for line in stdout.splitlines() if line.startswith("#")]
    assert len(lines) == 2
    assert " web " in lines[0] and " shop " in lines[1]  # newest first, channel named
    code, stdout, _ = run(root, "publish", "--history", "--json")
    assert [r["channel"] for r in json.loads(stdout)["runs"]] == ["web", "shop"]
    # one channel's history is still one channel's, and does not repeat its code
    code, stdout, _ = run(root, "publish", "--history", "shop")
    assert code == 0 and stdout.count("\n#") + stdout.startswith("#") == 1
    # without --history the channel is still needed: a usage error, not a crash
    code, _, err = run(root, "publish")
    assert code == 2 and "CHANNEL" in err and "--history" in err


def test_a_dry_run_says_what_it_would_do_and_names_the_skus(tmp_path: Path) -> None:
    root = two_channels(tmp_path)
    with Library.open(root) as lib:
        products.set_enabled(lib, "B-1", False)
        products.set_enabled(lib, "C-1", False)
        products.set_values(lib, "A-1", {"name-en_US": "A one"})
    code, stdout, err = run(root, "publish", "shop", "--dry-run")
    assert code == 0, err
    assert "withdrew" not in stdout and "published" not in stdout
    assert "would withdraw 2" in stdout
    assert "  would withdraw 2: B-1, C-1" in stdout.splitlines()
    assert "  would publish 1: A-1" in stdout.splitlines()
    code, stdout, err = run(root, "publish", "shop")
    assert code == 0, err
    assert "would" not in stdout
    assert "  withdrew 2: B-1, C-1" in stdout.splitlines()
    assert "  published 1: A-1" in stdout.splitlines()


def test_each_blocked_product_gives_each_reason_once(library: Library) -> None:
    """Google Merchant said "price" three times for a product without a price (the channel's
    check, the family's, Google's own) and "no image" twice; once each, in the same order."""
    from pimdesk.services.demo import load_demo

    load_demo(library)
    report = publishing.publish_channel(library, "google", dry_run=True)
    reasons = {b.sku: b.reasons for b in report.blocked}
    assert reasons["APR-DEN-01"] == [
        "price: required by the channel, but its source 'price' is empty",
        "images: no publishable main image (approved, rights valid)",
    ]
    assert reasons["JAR-SPC-6"] == [
        "description: required by the family for this channel",
        "images: no publishable main image (approved, rights valid)",
    ]
    for sku, said in reasons.items():
        fields = [reason.split(":")[0] for reason in said]
        assert len(fields) == len(set(fields)), (sku, said)
    states = {s.sku: s.reasons for s in publishing.listing_states(library, "google")}
    assert states["APR-DEN-01"] == reasons["APR-DEN-01"]


def test_a_published_product_blocked_now_counts_as_to_withdraw_then_withdrawn(
    tmp_path: Path,
) -> None:
    root = two_channels(tmp_path)
    with Library.open(root) as lib:
        products.set_values(lib, "B-1", {"price-USD": None})  # Shopify blocks it now
        counts = publishing.channel_counts(lib, "shop")
        assert (counts.published, counts.withdraw, counts.blocked) == (2, 1, 0)
        states = {s.sku: s for s in publishing.listing_states(lib, "shop")}
        assert states["B-1"].state == "withdraw" and states["B-1"].reasons
    code, stdout, _ = run(root, "status")
    shop_line = next(line for line in stdout.splitlines() if line.startswith("publish   shop"))
    assert "1 to withdraw" in shop_line and "0 blocked" in shop_line

    code, stdout, _ = run(root, "publish", "shop")
    assert code == 0
    lines = stdout.splitlines()
    assert lines[0].endswith("withdrew 1, blocked 0 [partial]"), lines[0]
    assert "  withdrew 1: B-1" in lines
    assert any(line.startswith("    B-1 is blocked now: price") for line in lines), lines
    with Library.open(root) as lib:
        run_info = publishing.publish_history(lib, "shop")[0]
        assert (run_info.withdrawn, run_info.blocked) == (1, 0)
        assert run_info.withdrawn_skus == ["B-1"] and run_info.blocked_skus == []
        # off the channel now: from here on it is simply blocked
        counts = publishing.channel_counts(lib, "shop")
        assert (counts.published, counts.withdraw, counts.blocked) == (2, 0, 1)
