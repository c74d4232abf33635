"""Finding exporters: the ``pimdesk.exporters`` entry-point group, one registry per library.

Built-in and third-party exporters come through the same door (entry points declared in a
distribution's metadata). Loading a plugin runs someone else's code, so every failure is
caught and kept as a :class:`LoadProblem` naming the plugin and the reason; ``channels
list`` and ``status`` show them and everything else keeps working. A plugin built for a
different :data:`~pimdesk.channels.api.API_VERSION` is refused the same way.

The registry is made on first use for each open library (never at import), so tests and
several libraries in one process each see their own set.
"""

from __future__ import annotations

import importlib.metadata
import threading
import weakref
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pimdesk.channels.api import API_VERSION, Exporter
from pimdesk.errors import NotFoundError

if TYPE_CHECKING:
    from pimdesk.library import Library

GROUP = "pimdesk.exporters"


@dataclass(frozen=True)
class LoadProblem:
    """A plugin that could not be used, and why (shown to the user, never raised)."""

    plugin: str
    reason: str
    source: str = ""  # the distribution that declared it, when known

    def __str__(self) -> str:
        origin = f" (from {self.source})" if self.source else ""
        return f"exporter plugin {self.plugin!r}{origin}: {self.reason}"


@dataclass(frozen=True)
class ExporterInfo:
    """What the front ends list about one usable exporter."""

    name: str
    label: str
    description: str
    source: str
    rendition_profile: str | None


class ExporterRegistry:
    """The usable exporters of one application context, plus the plugins that failed."""

    def __init__(self, entry_points: Iterable[importlib.metadata.EntryPoint] | None = None):
        self._entry_points = entry_points
        self._classes: dict[str, type[Exporter]] = {}
        self._sources: dict[str, str] = {}
        self._problems: list[LoadProblem] = []
        self._loaded = False
        self._lock = threading.Lock()

    # -- loading -------------------------------------------------------------------------

    def _ensure_loaded(self) -> None:
        with self._lock:
            if self._loaded:
                return
            self._loaded = True
            eps = self._entry_points
            if eps is None:
                eps = importlib.metadata.entry_points(group=GROUP)
            for ep in eps:
                self._load_entry_point(ep)

    def _load_entry_point(self, ep: importlib.metadata.EntryPoint) -> None:
        source = ""
        dist = getattr(ep, "dist", None)
        if dist is not None:
            try:
                source = f"{dist.metadata['Name']} {dist.version}"
            except Exception:  # a broken dist-info must not stop the others
                source = ""
        try:
            obj = ep.load()
        except Exception as exc:  # plugin code is untrusted: report, never crash
            self._problems.append(
                LoadProblem(ep.name, f"cannot be imported: {type(exc).__name__}: {exc}", source)
            )
            return
        self._add(ep.name, obj, source)

    def _add(self, name: str, obj: Any, source: str) -> bool:
        reason = _check_exporter_class(obj)
        if reason is None and name in self._classes:
            reason = f"the name is already taken by {self._sources[name] or 'another plugin'}"
        if reason is not None:
            self._problems.append(LoadProblem(name, reason, source))
            return False
        self._classes[name] = obj
        self._sources[name] = source
        return True

    def add(self, exporter: type[Exporter], *, name: str | None = None, source: str = "") -> bool:
        """Register a class directly (tests, embedding apps); checked like any plugin.

        Returns False (and records a :class:`LoadProblem`) when the class is refused.
        """
        self._ensure_loaded()
        with self._lock:
            return self._add(name or getattr(exporter, "name", repr(exporter)), exporter, source)

    # -- reading -------------------------------------------------------------------------

    @property
    def problems(self) -> list[LoadProblem]:
        self._ensure_loaded()
        return list(self._problems)

    def names(self) -> list[str]:
        self._ensure_loaded()
        return sorted(self._classes)

    def __contains__(self, name: object) -> bool:
        self._ensure_loaded()
        return name in self._classes

    def infos(self) -> list[ExporterInfo]:
        self._ensure_loaded()
        return [
            ExporterInfo(
                name=name,
                label=str(getattr(cls, "label", name)),
                description=str(getattr(cls, "description", "")),
                source=self._sources.get(name, ""),
                rendition_profile=getattr(cls, "rendition_profile", None),
            )
            for name, cls in sorted(self._classes.items())
        ]

    def get(self, name: str) -> type[Exporter]:
        """The exporter class registered as ``name``; a clear error names the alternatives
        and, if the plugin exists but failed to load, why."""
        self._ensure_loaded()
        cls = self._classes.get(name)
        if cls is not None:
            return cls
        for problem in self._problems:
            if problem.plugin == name:
                raise NotFoundError(
                    f"the exporter {name!r} is installed but unusable: {problem.reason}",
                    where=name,
                    hint="update or remove the plugin package",
                )
        known = ", ".join(self.names()) or "none installed"
        raise NotFoundError(f"no exporter named {name!r}", where=name, hint=f"known: {known}")

    def create(self, name: str, settings: Mapping[str, Any]) -> Exporter:
        return self.get(name)(settings)


def _check_exporter_class(obj: Any) -> str | None:
    """Why ``obj`` cannot serve as an exporter, or None when it can."""
    if not isinstance(obj, type) or not issubclass(obj, Exporter):
        return "is not a subclass of pimdesk.channels.api.Exporter"
    version = getattr(obj, "api_version", None)
    if version != API_VERSION:
        return (
            f"was built for exporter API version {version!r}, "
            f"this pimdesk speaks version {API_VERSION}"
        )
    if getattr(obj, "__abstractmethods__", None):
        missing = ", ".join(sorted(obj.__abstractmethods__))
        return f"does not implement {missing}"
    for attr in ("name", "label"):
        if not isinstance(getattr(obj, attr, None), str):
            return f"does not declare the class attribute {attr!r}"
    return None


_REGISTRIES: weakref.WeakKeyDictionary[Any, ExporterRegistry] = weakref.WeakKeyDictionary()
_REGISTRIES_LOCK = threading.Lock()


def registry_for(library: Library) -> ExporterRegistry:
    """The registry of one open library, made (and its plugins loaded) on first use."""
    with _REGISTRIES_LOCK:
        registry = _REGISTRIES.get(library)
        if registry is None:
            registry = ExporterRegistry()
            _REGISTRIES[library] = registry
        return registry
