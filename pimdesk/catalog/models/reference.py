"""Reference data: locales, currencies, channels, attributes, families, categories, tags."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pimdesk.catalog.db import Base, utcnow


class Locale(Base):
    __tablename__ = "locale"

    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)


class Currency(Base):
    __tablename__ = "currency"

    code: Mapped[str] = mapped_column(String(3), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)


class Channel(Base):
    """A sales channel: the scope of values and completeness, and a publishing target.

    ``currencies`` lists every currency a price must carry for this channel (the first is the
    one listings use); ``exporter`` names a plugin of the ``pimdesk.exporters`` group.
    """

    __tablename__ = "channel"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(100), unique=True)
    label: Mapped[str] = mapped_column(String(255), default="")
    locales: Mapped[list[str]] = mapped_column(default=list)
    currencies: Mapped[list[str]] = mapped_column(default=list)
    category_tree: Mapped[str | None] = mapped_column(String(100), nullable=True)
    exporter: Mapped[str | None] = mapped_column(String(100), nullable=True)
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    field_map: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


ATTRIBUTE_TYPES = (
    "identifier",
    "text",
    "textarea",
    "number",
    "metric",
    "price",
    "boolean",
    "date",
    "simpleselect",
    "multiselect",
    "gtin",
)


class Attribute(Base):
    """An attribute definition with its validation properties.

    ``properties`` holds the type-specific rules: ``max_length``, ``pattern`` (text);
    ``min``, ``max``, ``decimals`` (number, metric, price); ``metric_family``,
    ``default_unit`` (metric); ``rich_text`` (textarea). Options of selects live in
    :class:`AttributeOption`.
    """

    __tablename__ = "attribute"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(100), unique=True)
    type: Mapped[str] = mapped_column(String(20))
    labels: Mapped[dict[str, Any]] = mapped_column(default=dict)
    group: Mapped[str] = mapped_column(String(100), default="general")
    localizable: Mapped[bool] = mapped_column(Boolean, default=False)
    scopable: Mapped[bool] = mapped_column(Boolean, default=False)
    unique: Mapped[bool] = mapped_column(Boolean, default=False)
    properties: Mapped[dict[str, Any]] = mapped_column(default=dict)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)

    options: Mapped[list[AttributeOption]] = relationship(
        back_populates="attribute",
        cascade="all, delete-orphan",
        order_by="AttributeOption.sort_order",
    )


class AttributeOption(Base):
    __tablename__ = "attribute_option"
    __table_args__ = (UniqueConstraint("attribute_id", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    attribute_id: Mapped[int] = mapped_column(ForeignKey("attribute.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(100))
    labels: Mapped[dict[str, Any]] = mapped_column(default=dict)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)

    attribute: Mapped[Attribute] = relationship(back_populates="options")


class Family(Base):
    """A set of attributes; per channel, which attributes and image roles are required."""

    __tablename__ = "family"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(100), unique=True)
    labels: Mapped[dict[str, Any]] = mapped_column(default=dict)
    attribute_as_label: Mapped[str] = mapped_column(String(100), default="name")
    attribute_codes: Mapped[list[str]] = mapped_column(default=list)
    # {channel_code: [attribute_code, ...]}
    requirements: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # {channel_code: [role, ...]}
    image_requirements: Mapped[dict[str, Any]] = mapped_column(default=dict)

    variants: Mapped[list[FamilyVariant]] = relationship(
        back_populates="family", cascade="all, delete-orphan"
    )


class FamilyVariant(Base):
    """Variant axes and the attributes owned at each level (one or two levels)."""

    __tablename__ = "family_variant"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(100), unique=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id", ondelete="CASCADE"))
    labels: Mapped[dict[str, Any]] = mapped_column(default=dict)
    axes_level1: Mapped[list[str]] = mapped_column(default=list)
    attributes_level1: Mapped[list[str]] = mapped_column(default=list)
    axes_level2: Mapped[list[str]] = mapped_column(default=list)
    attributes_level2: Mapped[list[str]] = mapped_column(default=list)

    family: Mapped[Family] = relationship(back_populates="variants")

    @property
    def levels(self) -> int:
        return 2 if self.axes_level2 else 1


class Category(Base):
    """A node of a category tree; a root has no parent and is the tree's code."""

    __tablename__ = "category"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(100), unique=True)
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("category.id", ondelete="CASCADE"), nullable=True
    )
    labels: Mapped[dict[str, Any]] = mapped_column(default=dict)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)

    parent: Mapped[Category | None] = relationship(remote_side="Category.id")


class Tag(Base):
    """A free tag or collection, shared by products and assets."""

    __tablename__ = "tag"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)


class Setting(Base):
    """Library-wide settings that belong with the data (not with one machine)."""

    __tablename__ = "setting"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
