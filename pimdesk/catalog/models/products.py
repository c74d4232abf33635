"""Products, product models (variant parents), their classification and value history.

Values are kept as one JSON document per product or model, in Akeneo's raw-values shape:
``{attribute_code: {channel_code | "<all_channels>": {locale | "<all_locales>": data}}}``.
A product reads its own document merged over its parents' (see ``catalog.values``). One
document per row keeps imports to one INSERT per product and lets a listing be resolved
without joins; search has its own full-text index.

``revision`` grows with every change that can alter what a channel sees of the product
(its values, its parents' values, its images); publishing compares it with the revision it
last published, so the waiting list is an indexed query rather than a recomputation.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pimdesk.catalog.db import Base, utcnow
from pimdesk.catalog.models.reference import Category, Family, FamilyVariant, Tag

ALL_CHANNELS = "<all_channels>"
ALL_LOCALES = "<all_locales>"

product_category = Table(
    "product_category",
    Base.metadata,
    Column("product_id", ForeignKey("product.id", ondelete="CASCADE"), primary_key=True),
    Column("category_id", ForeignKey("category.id", ondelete="CASCADE"), primary_key=True),
)

product_model_category = Table(
    "product_model_category",
    Base.metadata,
    Column(
        "product_model_id", ForeignKey("product_model.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("category_id", ForeignKey("category.id", ondelete="CASCADE"), primary_key=True),
)

product_tag = Table(
    "product_tag",
    Base.metadata,
    Column("product_id", ForeignKey("product.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tag.id", ondelete="CASCADE"), primary_key=True),
)


class ProductModel(Base):
    """A variant parent (level 1 or, under another model, level 2). Not sellable itself."""

    __tablename__ = "product_model"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(255), unique=True)
    family_variant_id: Mapped[int] = mapped_column(ForeignKey("family_variant.id"))
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("product_model.id", ondelete="RESTRICT"), nullable=True, index=True
    )
    values: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    family_variant: Mapped[FamilyVariant] = relationship()
    parent: Mapped[ProductModel | None] = relationship(remote_side="ProductModel.id")
    categories: Mapped[list[Category]] = relationship(secondary=product_model_category)


class Product(Base):
    """A sellable item identified by its SKU."""

    __tablename__ = "product"
    __table_args__ = (
        Index("ix_product_revision", "revision"),
        Index("ix_product_changed_seq", "changed_seq"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sku: Mapped[str] = mapped_column(String(255), unique=True)
    family_id: Mapped[int | None] = mapped_column(
        ForeignKey("family.id"), nullable=True, index=True
    )
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("product_model.id", ondelete="RESTRICT"), nullable=True, index=True
    )
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    values: Mapped[dict[str, Any]] = mapped_column(default=dict)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    # Set by database triggers (migration 0006), never by the code: the library-wide change
    # sequence number of the product's last insert, revision bump or enable/disable, so the
    # waiting list reads only products changed since a channel's last look (channels.tracking).
    changed_seq: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    family: Mapped[Family | None] = relationship()
    parent: Mapped[ProductModel | None] = relationship()
    categories: Mapped[list[Category]] = relationship(secondary=product_category)
    tags: Mapped[list[Tag]] = relationship(secondary=product_tag)


class ValueChange(Base):
    """One field-level change: who or what changed which value, when, from what to what."""

    __tablename__ = "value_change"
    __table_args__ = (Index("ix_value_change_entity", "entity_type", "entity_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entity_type: Mapped[str] = mapped_column(String(20))  # product | product_model
    entity_id: Mapped[int] = mapped_column(Integer)
    identifier: Mapped[str] = mapped_column(String(255))  # SKU or model code at the time
    field: Mapped[str] = mapped_column(String(255))  # attribute code or a property
    locale: Mapped[str | None] = mapped_column(String(20), nullable=True)
    channel: Mapped[str | None] = mapped_column(String(100), nullable=True)
    old: Mapped[Any] = mapped_column(JSON, nullable=True)
    new: Mapped[Any] = mapped_column(JSON, nullable=True)
    author: Mapped[str] = mapped_column(String(100))  # user name, "import", "rule", ...
    source: Mapped[str] = mapped_column(String(50))  # gui | cli | import | rule | api
    batch: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    changed_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
