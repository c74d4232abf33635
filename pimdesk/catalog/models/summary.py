"""Stored summaries the products table reads instead of recomputing them per page.

Completeness (Akeneo's formula, ``catalog.completeness``) needs every product's merged
values, its family's requirements and its images: a few milliseconds of Python per product,
far too much for a page of a 100,000-product table scrolled at speed, and impossible to sort
or filter on in SQL. So the catalog keeps, per product and channel, the lowest ratio over
the channel's locales (what the table's badge shows) and, per product and locale, the label
(what the Name column shows and sorts by). ``catalog.summary`` writes them in the same
transaction as every change that can alter them; ``revision`` is the product's revision
when the row was computed, so a reader can tell a row some writer forgot to refresh and
compute that product itself.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from pimdesk.catalog.db import Base


class ProductCompleteness(Base):
    """A product's completeness on one channel (lowest over the channel's locales)."""

    __tablename__ = "product_completeness"
    __table_args__ = (
        Index("ix_product_completeness_channel_ratio", "channel_id", "ratio", "product_id"),
    )

    product_id: Mapped[int] = mapped_column(
        ForeignKey("product.id", ondelete="CASCADE"), primary_key=True
    )
    channel_id: Mapped[int] = mapped_column(
        ForeignKey("channel.id", ondelete="CASCADE"), primary_key=True
    )
    ratio: Mapped[int] = mapped_column(Integer)  # 0..100
    missing: Mapped[list[Any]] = mapped_column(default=list)  # of the lowest locale
    revision: Mapped[int] = mapped_column(Integer)  # product.revision when computed


class ProductLabel(Base):
    """A product's label (its family's label attribute, inherited) in one locale."""

    __tablename__ = "product_label"
    __table_args__ = (Index("ix_product_label_sort", "locale", "sort_key", "product_id"),)

    product_id: Mapped[int] = mapped_column(
        ForeignKey("product.id", ondelete="CASCADE"), primary_key=True
    )
    locale: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(Text, default="")
    sort_key: Mapped[str] = mapped_column(String(255), default="")  # casefolded, cut


class ProductModelLabel(Base):
    """A product model's label in one locale (model rows of the table sort by it)."""

    __tablename__ = "product_model_label"
    __table_args__ = (
        Index("ix_product_model_label_sort", "locale", "sort_key", "product_model_id"),
    )

    product_model_id: Mapped[int] = mapped_column(
        ForeignKey("product_model.id", ondelete="CASCADE"), primary_key=True
    )
    locale: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(Text, default="")
    sort_key: Mapped[str] = mapped_column(String(255), default="")
