"""Exporters are plugins: the built-ins and third-party ones come through the same entry points.

Like datasette's plugin meta-test, every built-in must be discoverable through the
``pimdesk.exporters`` group of the installed distribution.
"""

from __future__ import annotations

import importlib.metadata

import pytest

from pimdesk.channels.api import API_VERSION, Exporter

BUILTINS = {
    "shopify_csv": "pimdesk.channels.exporters.shopify:ShopifyCsvExporter",
    "storefront": "pimdesk.channels.exporters.storefront:StorefrontExporter",
    "woocommerce_csv": "pimdesk.channels.exporters.woocommerce:WooCommerceCsvExporter",
    "google_merchant": "pimdesk.channels.exporters.google:GoogleMerchantExporter",
    "amazon_images": "pimdesk.channels.exporters.amazon:AmazonImagesExporter",
    "folder": "pimdesk.channels.exporters.folder:FolderExporter",
}


def _entry_points() -> dict[str, importlib.metadata.EntryPoint]:
    return {ep.name: ep for ep in importlib.metadata.entry_points(group="pimdesk.exporters")}


@pytest.mark.parametrize("name", sorted(BUILTINS))
def test_builtin_is_discoverable_through_its_entry_point(name: str) -> None:
    eps = _entry_points()
    assert name in eps, f"{name} is missing from [project.entry-points.'pimdesk.exporters']"
    assert eps[name].value == BUILTINS[name]
    cls = eps[name].load()
    assert issubclass(cls, Exporter)
    assert cls.name == name
    assert cls.api_version == API_VERSION
    assert cls.label
    keys = [s.key for s in cls.settings_spec]
    assert "output" in keys
    assert len(keys) == len(set(keys))
    names = [f.name for f in cls.fields_spec]
    assert len(names) == len(set(names))


def test_every_builtin_module_is_registered() -> None:
    """A new module in pimdesk/channels/exporters/ without an entry point is a mistake."""
    from pathlib import Path

    import pimdesk.channels.exporters as package

    modules = {
        p.stem for p in Path(package.__file__).parent.glob("*.py") if not p.stem.startswith("_")
    }
    registered = {value.split(":")[0].rsplit(".", 1)[1] for value in BUILTINS.values()}
    assert modules == registered
