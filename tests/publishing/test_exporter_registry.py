"""The exporter registry: entry points loaded per library, broken plugins reported."""

from __future__ import annotations

from collections.abc import Sequence
from importlib.metadata import EntryPoint

import pytest

from pimdesk.channels.api import CancelToken, Exporter, Listing, Progress, PublishResult
from pimdesk.channels.registry import ExporterRegistry, registry_for
from pimdesk.errors import NotFoundError
from pimdesk.library import Library


class GoodExporter(Exporter):
    name = "good"
    label = "Good"

    def publish(
        self,
        listings: Sequence[Listing],
        withdrawn: Sequence[str],
        progress: Progress,
        cancel: CancelToken,
    ) -> PublishResult:
        return PublishResult()


class OldExporter(GoodExporter):
    api_version = 0
    name = "old"


class Unfinished(Exporter):
    name = "unfinished"
    label = "Unfinished"


class NotAnExporter:
    name = "nope"


def ep(name: str, attr: str) -> EntryPoint:
    return EntryPoint(name, f"{__name__}:{attr}", "pimdesk.exporters")


def test_broken_plugins_are_reported_not_fatal() -> None:
    registry = ExporterRegistry(
        [
            ep("good", "GoodExporter"),
            ep("old", "OldExporter"),
            ep("unfinished", "Unfinished"),
            ep("nope", "NotAnExporter"),
            EntryPoint("missing", "no_such_module_xyz:Thing", "pimdesk.exporters"),
            ep("good", "GoodExporter"),  # a second plugin claiming the same name
        ]
    )
    assert registry.names() == ["good"]
    reasons = {p.plugin: p.reason for p in registry.problems}
    assert "API version 0" in reasons["old"]
    assert "does not implement publish" in reasons["unfinished"]
    assert "not a subclass" in reasons["nope"]
    assert "cannot be imported" in reasons["missing"]
    assert "already taken" in reasons["good"]
    assert isinstance(registry.create("good", {}), GoodExporter)
    with pytest.raises(NotFoundError, match="unusable"):
        registry.get("old")
    with pytest.raises(NotFoundError, match="known: good"):
        registry.get("shopify_xyz")


def test_one_registry_per_library(tmp_path) -> None:
    with Library.open(tmp_path / "a") as first, Library.open(tmp_path / "b") as second:
        assert registry_for(first) is registry_for(first)
        assert registry_for(first) is not registry_for(second)
        assert registry_for(first).add(GoodExporter, source="tests")
        assert "good" in registry_for(first)
        assert "good" not in registry_for(second)
