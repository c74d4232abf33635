"""``pimdesk demo``: fill a library with a small, realistic shop to try pimdesk on.

The demo is data, not code: ``pimdesk/resources/demo/setup.json`` holds the reference data
(locales, currencies, attributes and options, a category tree, families with per-channel
requirements, a one-level and a two-level family variant, three channels) and
``products.csv`` the products and product models in Akeneo's column grammar, imported
through the same ``import_file`` a user's spreadsheet goes through.

The work is a list of steps, :data:`DEMO_STEPS`; other areas append theirs (demo photos,
a first publish). Each step gets the library and returns a one-line summary. A marker
setting is written when every step has run, so running the demo again says so and adds
nothing; a demo interrupted halfway can simply be run again (each step skips what exists).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from pimdesk import words
from pimdesk.catalog.db import utcnow
from pimdesk.catalog.models import Attribute, Category, Channel, Family, FamilyVariant, Setting
from pimdesk.events import Change

if TYPE_CHECKING:
    from pimdesk.library import Library

MARKER = "demo.loaded"
LIBRARY_MARK = "{library}"  # in setup.json: the library folder


def demo_dir() -> Path:
    """Where the demo's files are, inside the installed package."""
    return Path(str(resources.files("pimdesk") / "resources" / "demo"))


def load_setup() -> dict[str, Any]:
    return json.loads((demo_dir() / "setup.json").read_text(encoding="utf-8"))


@dataclass
class DemoReport:
    already: bool = False
    steps: list[dict[str, str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"already": self.already, "steps": list(self.steps)}


DemoStep = tuple[str, Callable[["Library"], str]]


# -- step: reference data -----------------------------------------------------------------


def setup_reference_data(library: Library) -> str:
    """Locales, currencies, attributes and options, categories, families, channels."""
    from pimdesk.services import reference

    setup = load_setup()
    added: dict[str, int] = {}

    def count(kind: str) -> None:
        added[kind] = added.get(kind, 0) + 1

    with library.session() as s:
        for code in setup["locales"]:
            reference.enable_locale(s, code)
        for code in setup["currencies"]:
            reference.enable_currency(s, code)
        known = set(s.scalars(select(Attribute.code)))
        for spec in setup["attributes"]:
            if spec["code"] in known:
                continue
            reference.add_attribute(
                s,
                spec["code"],
                spec["type"],
                labels=spec.get("labels"),
                localizable=spec.get("localizable", False),
                scopable=spec.get("scopable", False),
                properties=spec.get("properties"),
            )
            count("attribute")
        for attribute, options in setup["options"].items():
            reference.add_options(s, attribute, [(code, labels) for code, labels in options])
        categories = set(s.scalars(select(Category.code)))
        for code, parent, label_en, label_de in setup["categories"]:
            if code not in categories:
                reference.add_category(
                    s, code, parent=parent, labels={"en_US": label_en, "de_DE": label_de}
                )
                count("category")
        # Channels before families: a family's requirements name channels.
        channels = set(s.scalars(select(Channel.code)))
        for spec in setup["channels"]:
            if spec["code"] in channels:
                continue
            s.add(_channel(library, spec))
        s.flush()
        channels_now = _channels_line(s)
        families = set(s.scalars(select(Family.code)))
        for spec in setup["families"]:
            if spec["code"] in families:
                continue
            reference.add_family(
                s,
                spec["code"],
                attributes=spec["attributes"],
                requirements=spec["requirements"],
                image_requirements=spec["image_requirements"],
                labels=spec["labels"],
            )
            count("family")
        variants = set(s.scalars(select(FamilyVariant.code)))
        for spec in setup["family_variants"]:
            if spec["code"] in variants:
                continue
            reference.add_family_variant(
                s,
                spec["code"],
                family=spec["family"],
                axes_level1=spec["axes_level1"],
                attributes_level1=spec.get("attributes_level1", ()),
                axes_level2=spec.get("axes_level2", ()),
                attributes_level2=spec.get("attributes_level2", ()),
                labels=spec.get("labels"),
            )
            count("family variant")
    for spec in setup["channels"]:
        output = spec["settings"].get("output")
        if output:
            (library.root / _in_library(output, library)).mkdir(parents=True, exist_ok=True)
    library.emit(Change(kind="reference", detail="demo"))
    plurals = {"category": "categories", "family": "families"}
    parts = [words.count(n, kind, plurals.get(kind)) for kind, n in added.items()]
    return (
        f"{len(setup['locales'])} locales, {len(setup['currencies'])} currencies, "
        + channels_now
        + (", added " + ", ".join(parts) if parts else "")
    )


def _channels_line(session: Any) -> str:
    """Every channel the library has now, as ``status`` lists them: the demo's and the one
    a new library starts with (``ecommerce``, no exporter), so the two counts agree."""
    rows = session.execute(select(Channel.code, Channel.exporter).order_by(Channel.id)).all()
    live = [code for code, exporter in rows if exporter]
    idle = [code for code, exporter in rows if not exporter]
    text = f"{words.count(len(rows), 'channel')} ({', '.join(live)}"
    if idle:
        text += f"; {', '.join(idle)} without an exporter"
    return text + ")"


def _in_library(value: str, library: Library) -> str:
    """``{library}/exports/x`` is stored as ``exports/x``: relative to the library folder, so
    a copied or moved library publishes into its own exports (channels.output_location)."""
    if value.startswith(LIBRARY_MARK + "/"):
        return value[len(LIBRARY_MARK) + 1 :]
    return value.replace(LIBRARY_MARK, str(library.root))


def _channel(library: Library, spec: dict[str, Any]) -> Channel:
    settings = {
        key: _in_library(value, library) if isinstance(value, str) else value
        for key, value in spec.get("settings", {}).items()
    }
    return Channel(
        code=spec["code"],
        label=spec.get("label", spec["code"]),
        locales=list(spec["locales"]),
        currencies=list(spec["currencies"]),
        category_tree=spec.get("category_tree"),
        exporter=spec.get("exporter"),
        settings=settings,
        field_map={},
    )


# -- step: products -----------------------------------------------------------------------


def import_products(library: Library) -> str:
    """The products and models of ``products.csv``, through the ordinary import."""
    from pimdesk.services.imports import import_file

    report = import_file(library, demo_dir() / "products.csv", format="akeneo")
    return (
        f"{words.count(report.created, 'product')} and "
        f"{words.count(report.models_created, 'model')} created, "
        f"{report.updated} updated"
    )


def add_photos(library: Library) -> str:
    """Product photos drawn at run time and ingested through the rules (assets area)."""
    from pimdesk.assets.demo_photos import add_demo_photos

    return add_demo_photos(library)


DEMO_STEPS: list[DemoStep] = [
    ("reference data", setup_reference_data),
    ("products", import_products),
    ("photos", add_photos),
]


def is_loaded(library: Library) -> bool:
    with library.session() as s:
        return s.get(Setting, MARKER) is not None


def load_demo(library: Library) -> DemoReport:
    """Run every demo step once; a second run reports ``already`` and changes nothing."""
    if is_loaded(library):
        return DemoReport(already=True)
    report = DemoReport()
    for name, step in DEMO_STEPS:
        report.steps.append({"step": name, "summary": step(library)})
    with library.session() as s:
        s.add(Setting(key=MARKER, value={"at": utcnow().isoformat(), "steps": report.steps}))
    return report
