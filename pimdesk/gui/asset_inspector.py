"""The asset inspector: preview, versions (restore), approval, rights, alt text, tags, EXIF
and the products it is linked to. Every change is one service call in the writer pool."""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QScrollArea,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from pimdesk.events import Change
from pimdesk.gui.context import GuiContext
from pimdesk.gui.screen import read_only_table
from pimdesk.gui.thumbnails import load_thumbnail
from pimdesk.services import assets, rights
from pimdesk.services.assets import AssetDetail

PREVIEW_SIZE = 320


def load_detail(library: Any, asset_id: int) -> tuple[AssetDetail, Any, list[str]]:
    """The asset, its preview image (decoded here, off the UI thread) and the locales."""
    from pimdesk.services import reference

    detail = assets.show_asset(library, asset_id)
    shown = next((v for v in detail.versions if v.current), None) or (
        detail.versions[-1] if detail.versions else None
    )
    preview = load_thumbnail(Path(shown.thumbnail), PREVIEW_SIZE) if shown else None
    return detail, preview, reference.list_locales(library)


def _date_edit() -> tuple[QCheckBox, QDateEdit]:
    box = QCheckBox()
    edit = QDateEdit()
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    edit.setDate(QDate.currentDate())
    edit.setEnabled(False)
    box.toggled.connect(edit.setEnabled)
    return box, edit


def _as_datetime(box: QCheckBox, edit: QDateEdit) -> dt.datetime | None:
    if not box.isChecked():
        return None
    d = edit.date()
    return dt.datetime(d.year(), d.month(), d.day(), tzinfo=dt.UTC)


class AssetInspector(QWidget):
    """Shows one asset; emits :attr:`loaded` each time its data arrives."""

    loaded = Signal(object)  # AssetDetail

    def __init__(self, ctx: GuiContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.asset_id: int | None = None
        self.detail: AssetDetail | None = None

        self.preview = QLabel("Select an asset")
        self.preview.setObjectName("assetPreview")
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setMinimumHeight(200)
        self.title = QLabel()
        self.title.setWordWrap(True)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        # versions + approval
        self.versions = read_only_table("versionsTable", ["#", "Ingested", "Size", "Approval"])
        # One line per version, every column readable in the inspector's width; the file a
        # version was read from (a long path) is shown whole below, for the selected row.
        header = self.versions.horizontalHeader()
        for column in range(3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.versions.setWordWrap(False)
        self.versions.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.versions.itemSelectionChanged.connect(self._show_version_source)
        self.version_source = QLabel()
        self.version_source.setObjectName("versionSource")
        self.version_source.setWordWrap(True)
        self.version_source.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._sources: dict[int, str] = {}
        self.approval = QComboBox()
        self.approval.setObjectName("approvalState")
        self.approval.addItems(list(assets.APPROVAL_STATES))
        self.set_approval_button = QPushButton("Set approval")
        self.set_approval_button.setObjectName("setApproval")
        self.set_approval_button.clicked.connect(self._set_approval)
        self.restore_button = QPushButton("Restore this version")
        self.restore_button.setObjectName("restoreVersion")
        self.restore_button.setToolTip("Its file becomes a new, current version")
        self.restore_button.clicked.connect(self._restore)
        versions_page = QWidget()
        vl = QVBoxLayout(versions_page)
        vl.addWidget(self.versions)
        vl.addWidget(self.version_source)
        vrow = QHBoxLayout()
        vrow.addWidget(self.approval)
        vrow.addWidget(self.set_approval_button)
        vrow.addStretch(1)
        vrow.addWidget(self.restore_button)
        vl.addLayout(vrow)

        # rights
        self.licence = QLineEdit()
        self.licence.setObjectName("rightsLicence")
        self.holder = QLineEdit()
        self.holder.setObjectName("rightsHolder")
        self.source = QLineEdit()
        self.channels = QLineEdit()
        self.channels.setObjectName("rightsChannels")
        self.channels.setPlaceholderText("all channels (or: shop, amazon)")
        self.valid_box, self.valid_from = _date_edit()
        self.expires_box, self.expires_at = _date_edit()
        self.expires_box.setObjectName("rightsExpires")
        self.expires_at.setObjectName("rightsExpiresDate")
        self.rights_status = QLabel()
        self.save_rights = QPushButton("Save rights")
        self.save_rights.setObjectName("saveRights")
        self.save_rights.clicked.connect(self._save_rights)
        rights_page = QWidget()
        rf = QFormLayout(rights_page)
        rf.addRow("Status", self.rights_status)
        rf.addRow("Licence", self.licence)
        rf.addRow("Holder / creator", self.holder)
        rf.addRow("Source", self.source)
        rf.addRow("Allowed channels", self.channels)
        for label, box, edit in (
            ("Valid from", self.valid_box, self.valid_from),
            ("Expires at", self.expires_box, self.expires_at),
        ):
            row = QHBoxLayout()
            row.addWidget(box)
            row.addWidget(edit)
            row.addStretch(1)
            rf.addRow(label, row)
        rf.addRow("", self.save_rights)

        # description: alt text + tags
        self.alt_locale = QComboBox()
        self.alt_locale.setObjectName("altLocale")
        self.alt_text = QLineEdit()
        self.alt_text.setObjectName("altText")
        self.save_alt = QPushButton("Save alt text")
        self.save_alt.clicked.connect(self._save_alt)
        self.alt_locale.currentIndexChanged.connect(self._show_alt)
        self.tags = QLineEdit()
        self.tags.setObjectName("assetTags")
        self.tags.setPlaceholderText("comma separated")
        self.save_tags = QPushButton("Save tags")
        self.save_tags.clicked.connect(self._save_tags)
        about_page = QWidget()
        af = QFormLayout(about_page)
        alt_row = QHBoxLayout()
        alt_row.addWidget(self.alt_locale)
        alt_row.addWidget(self.alt_text, 1)
        alt_row.addWidget(self.save_alt)
        af.addRow("Alt text", alt_row)
        tag_row = QHBoxLayout()
        tag_row.addWidget(self.tags, 1)
        tag_row.addWidget(self.save_tags)
        af.addRow("Tags", tag_row)

        self.exif = read_only_table("exifTable", ["Field", "Value"])

        self.links = QListWidget()
        self.links.setObjectName("assetLinks")
        self.links.itemDoubleClicked.connect(
            lambda item: self.ctx.nav.open_product.emit(item.data(Qt.ItemDataRole.UserRole))
        )

        self.tabs = QTabWidget()
        self.tabs.addTab(versions_page, "Versions")
        self.tabs.addTab(rights_page, "Rights")
        self.tabs.addTab(about_page, "Alt text && tags")
        self.tabs.addTab(self.exif, "EXIF")
        self.tabs.addTab(self.links, "Products")

        body = QWidget()
        layout = QVBoxLayout(body)
        layout.addWidget(self.preview)
        layout.addWidget(self.title)
        layout.addWidget(self.tabs, 1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        self.setEnabled(False)
        ctx.events.changed.connect(self._on_change)

    # -- loading -----------------------------------------------------------------------

    def show_asset(self, asset_id: int | None) -> None:
        self.asset_id = asset_id
        if asset_id is None:
            self.detail = None
            self.setEnabled(False)
            self.preview.setText("Select an asset")
            self.preview.setPixmap(QPixmap())
            self.title.setText("")
            return
        if self.detail is not None and self.detail.id != asset_id:
            # the fields still show the previous asset until this one loads: no edits meant
            # for one asset may be saved onto the other
            self.detail = None
            self.setEnabled(False)
        self.reload()

    def reload(self) -> None:
        if self.asset_id is None:
            return
        asset_id = self.asset_id
        self.ctx.workers.run(
            load_detail,
            self.ctx.library,
            asset_id,
            on_result=lambda result: self._loaded(asset_id, *result),
        )

    def _on_change(self, change: Change) -> None:
        if self.asset_id is not None and self.asset_id in change.asset_ids:
            self.reload()

    def _loaded(self, asset_id: int, detail: AssetDetail, preview: Any, locales: list[str]) -> None:
        if asset_id != self.asset_id:
            return
        self.detail = detail
        self.setEnabled(True)
        if preview is not None:
            self.preview.setPixmap(QPixmap.fromImage(preview))
        else:
            self.preview.setText(f"{detail.kind}: no preview")
        reason = (
            f"<br><span style='color:#b7791f'>Unmatched: {html.escape(detail.inbox_reason)}</span>"
            if detail.inbox_reason
            else ""
        )
        self.title.setText(f"<b>{html.escape(detail.title)}</b> — asset {detail.id}{reason}")
        self._show_versions(detail)
        self._show_rights(detail.rights)
        locales = list(dict.fromkeys([*locales, *detail.alt_text]))
        current = self.alt_locale.currentText()
        self.alt_locale.blockSignals(True)
        self.alt_locale.clear()
        self.alt_locale.addItems(locales)
        if current in locales:
            self.alt_locale.setCurrentText(current)
        self.alt_locale.blockSignals(False)
        self._show_alt()
        self.tags.setText(", ".join(detail.tags))
        self._show_exif(detail)
        self.links.clear()
        for link in detail.links:
            target = link.sku or link.model or ""
            self.links.addItem(f"{target} — {link.role} {link.position} ({link.origin})")
            self.links.item(self.links.count() - 1).setData(Qt.ItemDataRole.UserRole, target)
        if not detail.links:
            self.links.addItem("Not linked to any product (drag it onto a product to link it)")
        self.loaded.emit(detail)

    def _show_versions(self, detail: AssetDetail) -> None:
        rows = list(reversed(detail.versions))
        self._sources = {}
        self.version_source.clear()
        self.versions.setRowCount(len(rows))
        for number, v in enumerate(rows):
            cells = [
                f"{v.number}{' (current)' if v.current else ''}",
                v.ingested_at.astimezone().strftime("%Y-%m-%d %H:%M"),
                f"{v.width or '?'}×{v.height or '?'} {v.format}, {v.size // 1024} KB",
                v.approval,
            ]
            missing = " (missing at source)" if v.source_missing else ""
            self._sources[v.number] = f"Read from {v.source_path}{missing}"
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, v.number)
                item.setToolTip(self._sources[v.number])
                self.versions.setItem(number, col, item)
        if rows:
            self.versions.selectRow(0)
            self.approval.setCurrentText(rows[0].approval)
        # row 0 may have been selected already (the previous asset's): no signal then
        self._show_version_source()

    def _show_version_source(self) -> None:
        number = self.selected_version()
        self.version_source.setText(self._sources.get(number, "") if number else "")

    def selected_version(self) -> int | None:
        items = self.versions.selectedItems()
        return items[0].data(Qt.ItemDataRole.UserRole) if items else None

    def _show_rights(self, info: rights.RightsInfo) -> None:
        self.rights_status.setText(info.status)
        self.licence.setText(info.licence or "")
        self.holder.setText(info.holder or "")
        self.source.setText(info.source or "")
        self.channels.setText(", ".join(info.allowed_channels or []))
        for box, edit, value in (
            (self.valid_box, self.valid_from, info.valid_from),
            (self.expires_box, self.expires_at, info.expires_at),
        ):
            box.setChecked(value is not None)
            if value is not None:
                edit.setDate(QDate(value.year, value.month, value.day))

    def _show_alt(self) -> None:
        if self.detail is not None:
            self.alt_text.setText(self.detail.alt_text.get(self.alt_locale.currentText(), ""))

    def _show_exif(self, detail: AssetDetail) -> None:
        current = next((v for v in detail.versions if v.current), None) or (
            detail.versions[-1] if detail.versions else None
        )
        exif = dict(current.exif) if current else {}
        if current is not None:
            exif.setdefault("color profile", current.color_profile or "—")
        self.exif.setRowCount(len(exif))
        for number, (key, value) in enumerate(sorted(exif.items())):
            self.exif.setItem(number, 0, QTableWidgetItem(str(key)))
            self.exif.setItem(number, 1, QTableWidgetItem(str(value)))

    # -- writes ------------------------------------------------------------------------

    def _write(self, fn: Any, *args: Any, done: str, **kwargs: Any) -> None:
        self.ctx.workers.run(
            fn,
            self.ctx.library,
            *args,
            write=True,
            on_result=lambda _r: (self.ctx.nav.status_message.emit(done), self.reload()),
            on_error=lambda exc: self.ctx.show_error(exc),
            **kwargs,
        )

    def _set_approval(self) -> None:
        if self.asset_id is None:
            return
        state = self.approval.currentText()
        version = self.selected_version()
        self._write(
            assets.set_approval,
            self.asset_id,
            state,
            version=version,
            done=f"Version {version} is {state}.",
        )

    def _restore(self) -> None:
        version = self.selected_version()
        if self.asset_id is None or version is None:
            return
        self._write(
            assets.restore_version,
            self.asset_id,
            version,
            done=f"Version {version} restored as the current version.",
        )

    def _save_rights(self) -> None:
        if self.asset_id is None:
            return
        channels = [c.strip() for c in self.channels.text().split(",") if c.strip()]
        self._write(
            rights.set_rights,
            self.asset_id,
            done="Rights saved.",
            licence=self.licence.text().strip() or None,
            holder=self.holder.text().strip() or None,
            source=self.source.text().strip() or None,
            allowed_channels=channels or None,
            valid_from=_as_datetime(self.valid_box, self.valid_from),
            expires_at=_as_datetime(self.expires_box, self.expires_at),
        )

    def _save_alt(self) -> None:
        if self.asset_id is None:
            return
        self._write(
            assets.set_alt_text,
            self.asset_id,
            self.alt_locale.currentText(),
            self.alt_text.text(),
            done="Alt text saved.",
        )

    def _save_tags(self) -> None:
        if self.asset_id is None or self.detail is None:
            return
        wanted = [t.strip() for t in self.tags.text().split(",") if t.strip()]
        current = set(self.detail.tags)
        self._write(
            assets.tag_asset,
            self.asset_id,
            [t for t in wanted if t not in current],
            [t for t in current if t not in wanted],
            done="Tags saved.",
        )
