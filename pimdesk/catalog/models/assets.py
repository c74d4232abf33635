"""Media assets: versions (one file's bytes each), product links, rights, inbox and problems.

An asset is the logical item ("the front photo of WB-750"); each file that arrives for it
is an :class:`AssetVersion`. The current version is the newest approved one.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pimdesk.catalog.db import Base, utcnow
from pimdesk.catalog.models.reference import Tag

asset_tag = Table(
    "asset_tag",
    Base.metadata,
    Column("asset_id", ForeignKey("asset.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tag.id", ondelete="CASCADE"), primary_key=True),
)


class Asset(Base):
    __tablename__ = "asset"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # image | video | document | other
    title: Mapped[str] = mapped_column(String(500), default="")
    alt_text: Mapped[dict[str, Any]] = mapped_column(default=dict)  # {locale: text}
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", default=dict)
    # Why the asset waits in the Unmatched inbox (None once it is linked).
    inbox_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    versions: Mapped[list[AssetVersion]] = relationship(
        back_populates="asset", cascade="all, delete-orphan", order_by="AssetVersion.number"
    )
    links: Mapped[list[AssetLink]] = relationship(
        back_populates="asset", cascade="all, delete-orphan"
    )
    rights: Mapped[AssetRights | None] = relationship(
        back_populates="asset", cascade="all, delete-orphan", uselist=False
    )
    tags: Mapped[list[Tag]] = relationship(secondary=asset_tag)


class AssetVersion(Base):
    __tablename__ = "asset_version"
    __table_args__ = (
        UniqueConstraint("asset_id", "number"),
        # "what was read from this path?": every ingest batch and watched file asks (0011);
        # hash on PostgreSQL, whose B-tree entries cannot hold a long path
        Index("ix_asset_version_source_path", "source_path", postgresql_using="hash"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("asset.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    # 64-bit: videos and large TIFFs pass 2 GiB (SQLite's INTEGER is 64-bit already).
    size: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"))
    format: Mapped[str] = mapped_column(String(20))  # JPEG, PNG, HEIF, PDF, MP4, ...
    extension: Mapped[str] = mapped_column(String(20))
    width: Mapped[int | None] = mapped_column(Integer, nullable=True)
    height: Mapped[int | None] = mapped_column(Integer, nullable=True)
    color_profile: Mapped[str | None] = mapped_column(String(200), nullable=True)
    exif: Mapped[dict[str, Any]] = mapped_column(default=dict)
    source_path: Mapped[str] = mapped_column(Text)
    source_mtime: Mapped[float | None] = mapped_column(nullable=True)
    source_missing: Mapped[bool] = mapped_column(Boolean, default=False)
    approval: Mapped[str] = mapped_column(String(20), default="draft")
    ingested_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    asset: Mapped[Asset] = relationship(back_populates="versions")


class AssetLink(Base):
    """asset <-> product (or product model) with a role, a position and optionally a locale."""

    __tablename__ = "asset_link"
    __table_args__ = (
        Index("ix_asset_link_product", "product_id", "role", "position"),
        Index("ix_asset_link_model", "product_model_id", "role", "position"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("asset.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int | None] = mapped_column(
        ForeignKey("product.id", ondelete="CASCADE"), nullable=True
    )
    product_model_id: Mapped[int | None] = mapped_column(
        ForeignKey("product_model.id", ondelete="CASCADE"), nullable=True
    )
    role: Mapped[str] = mapped_column(String(50), default="main")
    position: Mapped[int] = mapped_column(Integer, default=1)
    locale: Mapped[str | None] = mapped_column(String(20), nullable=True)
    origin: Mapped[str] = mapped_column(String(20), default="rule")  # rule | gui | import

    asset: Mapped[Asset] = relationship(back_populates="links")


class AssetRights(Base):
    __tablename__ = "asset_rights"

    asset_id: Mapped[int] = mapped_column(
        ForeignKey("asset.id", ondelete="CASCADE"), primary_key=True
    )
    licence: Mapped[str | None] = mapped_column(String(500), nullable=True)
    holder: Mapped[str | None] = mapped_column(String(500), nullable=True)
    source: Mapped[str | None] = mapped_column(String(500), nullable=True)
    allowed_channels: Mapped[list[str] | None] = mapped_column(nullable=True)  # None = all
    valid_from: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    expires_at: Mapped[dt.datetime | None] = mapped_column(nullable=True, index=True)
    notes: Mapped[str | None] = mapped_column(Text, nullable=True)

    asset: Mapped[Asset] = relationship(back_populates="rights")


class IngestProblem(Base):
    """A file that could not be ingested, with the reason; the file itself is left untouched."""

    __tablename__ = "ingest_problem"
    __table_args__ = (Index("ix_ingest_problem_path", "path", postgresql_using="hash"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    path: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    seen_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    resolved: Mapped[bool] = mapped_column(Boolean, default=False)
    # The file as it was when it failed (a problem in its bytes): a reconciliation skips it
    # while both are unchanged. NULL when the problem was not in the bytes (permissions...).
    size: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    mtime: Mapped[float | None] = mapped_column(nullable=True)


class FilenameRule(Base):
    __tablename__ = "filename_rule"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    pattern: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(20), default="template")  # template | regex
    options: Mapped[dict[str, Any]] = mapped_column(default=dict)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)


class WatchedFolder(Base):
    __tablename__ = "watched_folder"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    path: Mapped[str] = mapped_column(Text, unique=True)
    recursive: Mapped[bool] = mapped_column(Boolean, default=True)
    include: Mapped[list[str]] = mapped_column(default=list)
    exclude: Mapped[list[str]] = mapped_column(default=list)
    polling: Mapped[bool] = mapped_column(Boolean, default=False)
    last_scan_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
