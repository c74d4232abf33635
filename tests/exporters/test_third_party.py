"""A third-party exporter from a separate distribution, found through the entry point group.

The distribution is real packaging metadata: a module plus a ``*.dist-info`` folder with
``METADATA`` and ``entry_points.txt`` in a temporary folder put on ``sys.path``, which is
exactly what ``pip install`` leaves behind. A broken plugin (import error) and one built for
another API version are reported by the registry, never fatal.
"""

from __future__ import annotations

import json
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from pimdesk.channels.registry import ExporterRegistry, registry_for
from pimdesk.library import Library
from pimdesk.services import products, publishing

PLUGIN = '''
"""An exporter shipped by someone else: one line per listing in acme.txt."""
from pimdesk.channels.api import Exporter, PublishResult, SettingSpec, FieldSpec
from pimdesk.channels.output import OutputFolder


class AcmeFeedExporter(Exporter):
    name = "acme_feed"
    label = "Acme feed"
    rendition_profile = "storefront"
    settings_spec = (SettingSpec("output", "Output folder", "path", required=True),)
    fields_spec = (FieldSpec("price", "Price", "price"),)

    def publish(self, listings, withdrawn, progress, cancel):
        out = OutputFolder(self.settings.get("output"), self.name)
        lines = [f"{l.sku}\\t{l.title}\\t{l.fields.get('price')}" for l in listings]
        out.add_document("acme.txt", "\\n".join(lines) + "\\n")
        result = PublishResult(remote_ids={l.sku: l.sku for l in listings})
        result.files = out.commit(cancel)
        progress(len(listings), len(listings))
        return result


class OldExporter(AcmeFeedExporter):
    name = "acme_old"
    api_version = 0
'''

BROKEN = "import this_module_does_not_exist_anywhere  # noqa\n"


@pytest.fixture
def plugin_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    site = tmp_path / "site"
    site.mkdir()
    (site / "acme_pimdesk_feed.py").write_text(textwrap.dedent(PLUGIN))
    (site / "acme_pimdesk_broken.py").write_text(BROKEN)
    info = site / "acme_pimdesk_feed-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-pimdesk-feed\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(
        "[pimdesk.exporters]\n"
        "acme_feed = acme_pimdesk_feed:AcmeFeedExporter\n"
        "acme_broken = acme_pimdesk_broken:BrokenExporter\n"
        "acme_old = acme_pimdesk_feed:OldExporter\n"
    )
    monkeypatch.syspath_prepend(str(site))
    yield site
    for name in ("acme_pimdesk_feed", "acme_pimdesk_broken"):
        sys.modules.pop(name, None)


def test_registry_finds_the_plugin_and_reports_the_bad_ones(plugin_site: Path) -> None:
    registry = ExporterRegistry()
    names = registry.names()
    assert "acme_feed" in names
    for builtin in ("shopify_csv", "woocommerce_csv", "google_merchant", "amazon_images",
                    "folder", "storefront"):  # fmt: skip
        assert builtin in names
    assert "acme_broken" not in names and "acme_old" not in names
    problems = {p.plugin: p for p in registry.problems}
    assert "cannot be imported" in problems["acme_broken"].reason
    assert "this_module_does_not_exist_anywhere" in problems["acme_broken"].reason
    assert "API version" in problems["acme_old"].reason
    assert problems["acme_old"].source == "acme-pimdesk-feed 1.0"
    info = {i.name: i for i in registry.infos()}
    assert info["acme_feed"].source == "acme-pimdesk-feed 1.0"


def test_a_publish_goes_through_the_plugin(plugin_site: Path, library: Library, tmp_path) -> None:
    out = tmp_path / "acme-out"
    out.mkdir()
    products.create_product(library, "MUG-1", values={"name-en_US": "Mug", "price-USD": "12.50"})
    registry_for(library)  # made after the plugin is on sys.path
    publishing.add_channel(library, "acme", exporter="acme_feed", settings={"output": str(out)})
    report = publishing.publish_channel(library, "acme", mode="all")
    assert report.result == "ok", report
    assert report.published == ["MUG-1"]
    assert (out / "acme.txt").read_text() == "MUG-1\tMug\t12.50\n"
    history = publishing.publish_history(library, "acme")
    assert history and history[0].result == "ok"


def test_an_unusable_plugin_is_a_clear_error_not_a_crash(plugin_site: Path) -> None:
    registry = ExporterRegistry()
    with pytest.raises(Exception, match="installed but unusable"):
        registry.get("acme_broken")
    assert json.dumps([str(p) for p in registry.problems])  # printable for `channels list`
