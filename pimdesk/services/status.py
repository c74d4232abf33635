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

from pimdesk.catalog.completeness import compute
from pimdesk.catalog.context import load_context
from pimdesk.catalog.models import (
    AssetLink,
    AssetVersion,
    Channel,
    Currency,
    Family,
    Locale,
    Product,
    ProductModel,
)
from pimdesk.catalog.values import merged

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

    Products without a family have nothing required and are not counted. Reads every
    product once, in pages, with its models and approved image roles read in bulk.
    """
    with library.session() as s:
        context = load_context(s)
        channels = [c for c in context.channels.values() if c.locales]
        families = context.families_by_id
        models = {
            mid: (parent_id, values)
            for mid, parent_id, values in s.execute(
                select(ProductModel.id, ProductModel.parent_id, ProductModel.values)
            )
        }
        product_roles: dict[int, set[str]] = {}
        model_roles: dict[int, set[str]] = {}
        for product_id, model_id, role in s.execute(
            select(AssetLink.product_id, AssetLink.product_model_id, AssetLink.role)
            .join(AssetVersion, AssetVersion.asset_id == AssetLink.asset_id)
            .where(AssetVersion.approval == "approved")
            .distinct()
        ):
            if product_id is not None:
                product_roles.setdefault(product_id, set()).add(role)
            if model_id is not None:
                model_roles.setdefault(model_id, set()).add(role)

        totals = {c.code: {"total": 0, "complete": 0} for c in channels}
        per_locale = {(c.code, loc): 0 for c in channels for loc in c.locales}
        rows = s.execute(
            select(Product.id, Product.family_id, Product.parent_id, Product.values)
            .where(Product.family_id.is_not(None))
            .execution_options(yield_per=2000)
        )
        for product_id, family_id, parent_id, values in rows:
            family = families.get(family_id)
            if family is None:
                continue
            chain: list[int] = []
            current = parent_id
            while current is not None and current in models and current not in chain:
                chain.insert(0, current)
                current = models[current][0]
            document = merged([models[m][1] for m in chain] + [values])
            roles = set(product_roles.get(product_id, ()))
            for m in chain:
                roles |= model_roles.get(m, set())
            for channel in channels:
                totals[channel.code]["total"] += 1
                everywhere = True
                for locale in channel.locales:
                    done = compute(context, family, document, channel, locale, roles).complete
                    per_locale[(channel.code, locale)] += done
                    everywhere = everywhere and done
                totals[channel.code]["complete"] += everywhere
    return [
        {
            "channel": c.code,
            "total": totals[c.code]["total"],
            "complete": totals[c.code]["complete"],
            "locales": [
                {"locale": loc, "complete": per_locale[(c.code, loc)]} for loc in c.locales
            ],
        }
        for c in channels
    ]


def _assets_status(library: Library) -> dict[str, Any]:
    from pimdesk.services.assets import status

    return dict(status(library))


STATUS_PROVIDERS: list[StatusProvider] = [("catalog", catalog_status)]
STATUS_PROVIDERS.append(("assets", _assets_status))


def library_status(library: Library) -> dict[str, Any]:
    """Every section of the status, in provider order."""
    return {name: provide(library) for name, provide in STATUS_PROVIDERS}
