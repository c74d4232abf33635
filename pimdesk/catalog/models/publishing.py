"""What was published where: per (channel, product) state and the log of publish runs."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from pimdesk.catalog.db import Base, utcnow


class PublishedListing(Base):
    """The last successful publish of one product to one channel.

    ``product_id`` deliberately has no foreign key: when a product is deleted its row stays,
    so the next publish knows the SKU to withdraw from the channel.
    """

    __tablename__ = "published_listing"
    __table_args__ = (Index("ix_published_listing_product", "product_id"),)

    channel_id: Mapped[int] = mapped_column(
        ForeignKey("channel.id", ondelete="CASCADE"), primary_key=True
    )
    product_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sku: Mapped[str] = mapped_column(String(255), default="")
    fingerprint: Mapped[str] = mapped_column(String(64))
    revision: Mapped[int] = mapped_column(Integer)
    published_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    remote_id: Mapped[str | None] = mapped_column(Text, nullable=True)
    versions: Mapped[list[Any]] = mapped_column(default=list)  # asset version ids used
    run_id: Mapped[int | None] = mapped_column(Integer, nullable=True)


class WithdrawnListing(Base):
    """A product taken off a channel whose feed keeps a row that withdraws it.

    Shopify's and WooCommerce's CSV importers never delete or hide a product that is missing
    from the file, so for those channels a withdrawn product stays in the feed as a row that
    takes it off the shop (Shopify ``Status`` draft, WooCommerce ``Published`` -1) for as
    long as it stays withdrawn: every file is then complete, whichever one the user imports.
    ``revision`` is the product revision the row was written from (a newer one rewrites it);
    ``remote_id`` the identity it had on the channel (the Shopify handle). ``product_id`` has
    no foreign key, like :class:`PublishedListing`: the next publish drops the row of a
    product deleted since.
    """

    __tablename__ = "withdrawn_listing"

    channel_id: Mapped[int] = mapped_column(
        ForeignKey("channel.id", ondelete="CASCADE"), primary_key=True
    )
    product_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sku: Mapped[str] = mapped_column(String(255), default="")
    revision: Mapped[int] = mapped_column(Integer)
    remote_id: Mapped[str | None] = mapped_column(Text, nullable=True)
    withdrawn_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class PublishRun(Base):
    __tablename__ = "publish_run"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel_id: Mapped[int] = mapped_column(
        ForeignKey("channel.id", ondelete="CASCADE"), index=True
    )
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    mode: Mapped[str] = mapped_column(String(20))  # all | changed | auto
    result: Mapped[str] = mapped_column(String(20), default="running")  # ok | partial | failed
    published: Mapped[int] = mapped_column(Integer, default=0)
    withdrawn: Mapped[int] = mapped_column(Integer, default=0)
    blocked: Mapped[int] = mapped_column(Integer, default=0)
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Rendition(Base):
    """Index of the rendition cache: one rendered file per (version bytes, profile settings).

    The file itself lives under ``<library>/renditions/<profile>/``; this row remembers its
    pixel size and bytes so building 100,000 listings never reopens 100,000 images. A row
    whose file was deleted is simply rendered again.
    """

    __tablename__ = "rendition"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    profile_hash: Mapped[str] = mapped_column(String(32), primary_key=True)
    profile: Mapped[str] = mapped_column(String(100))
    extension: Mapped[str] = mapped_column(String(10))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    size: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ChannelTracking(Base):
    """Where the waiting-list lookup of one channel left off (``channels.tracking``).

    ``mark`` is the change sequence number up to which every product was looked at;
    ``pending`` the product ids that were not settled then (never published, blocked,
    changed, to withdraw). The next lookup reads only those plus what changed after
    ``mark``. A cache: deleting the row costs one full scan, never a wrong answer.
    """

    __tablename__ = "channel_tracking"

    channel_id: Mapped[int] = mapped_column(
        ForeignKey("channel.id", ondelete="CASCADE"), primary_key=True
    )
    mark: Mapped[int] = mapped_column(BigInteger, default=0)
    pending: Mapped[list[Any]] = mapped_column(default=list)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class TrackingMark(Base):
    """A change no product row shows any more: a product deleted, or a published listing
    removed. Written by database triggers (migration 0006) with the next change sequence
    number; pruned once every channel's lookup has passed it."""

    __tablename__ = "tracking_mark"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    product_id: Mapped[int] = mapped_column(Integer)
