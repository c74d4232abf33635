"""What is in a library and how ready it is (``pimdesk status``, the GUI's dashboard).

:func:`library_status` returns plain data: a ``catalog`` section (counts, and per channel
how many products are complete) plus one section per provider in :data:`STATUS_PROVIDERS`;
the assets and publishing areas add theirs (asset counts, inbox, expiring rights; per
channel published / waiting / blocked). A provider is ``(section_name, function)``; the
function takes the open library and returns a JSON-friendly dict.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pimdesk.catalog import completeness_counts
from pimdesk.catalog.context import load_context
from pimdesk.catalog.models import Channel, Currency, Family, Locale, Product, ProductModel

if TYPE_CHECKING:
    from pimdesk.library import Library

StatusProvider = tuple[str, Callable[["Library"], dict[str, Any]]]


def _count(session: Session, statement: Any) -> int:
    return int(session.execute(statement).scalar_one())


def catalog_status(library: Library) -> dict[str, Any]:
    """Counts of the catalog and completeness per channel."""
    with library.session() as s:
        products = _count(s, select(func.count()).select_from(Product))
        variants = _count(
            s, select(func.count()).select_from(Product).where(Product.parent_id.is_not(None))
        )
        models = _count(s, select(func.count()).select_from(ProductModel))
        families = _count(s, select(func.count()).select_from(Family))
        channels = [
            {
                "code": c.code,
                "label": c.label,
                "exporter": c.exporter,
                "locales": list(c.locales),
                "currencies": list(c.currencies),
            }
            for c in s.scalars(select(Channel).order_by(Channel.id))
        ]
        locales = list(s.scalars(select(Locale.code).where(Locale.enabled).order_by(Locale.code)))
        currencies = list(
            s.scalars(select(Currency.code).where(Currency.enabled).order_by(Currency.code))
        )
    return {
        "library": str(library.root),
        "database": "sqlite" if library.is_sqlite else "postgresql",
        "products": products,
        "variants": variants,
        "models": models,
        "families": families,
        "locales": locales,
        "currencies": currencies,
        "channels": channels,
        "completeness": completeness_summary(library),
    }


def completeness_summary(library: Library) -> list[dict[str, Any]]:
    """Per channel: products complete in all its locales, and per locale, out of how many.

    Products without a family have nothing required and are not counted. Counted by query
    over the completeness the catalog stores per (product, channel); see
    :mod:`pimdesk.catalog.completeness_counts`.
    """
    with library.session() as s:
        return completeness_counts.summary(s, load_context(s))


def _assets_status(library: Library) -> dict[str, Any]:
    from pimdesk.services.assets import status

    return dict(status(library))


STATUS_PROVIDERS: list[StatusProvider] = [("catalog", catalog_status)]
STATUS_PROVIDERS.append(("assets", _assets_status))


def library_status(library: Library) -> dict[str, Any]:
    """Every section of the status, in provider order."""
    return {name: provide(library) for name, provide in STATUS_PROVIDERS}
