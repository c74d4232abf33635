"""One editor widget per attribute type, all speaking the catalog's stored value shapes.

Each editor shows a value (``set_value``), gives back what the user entered (``value``)
and says when it changes (``changed``). Validation is the catalog's own
(:func:`pimdesk.catalog.validation.validate_value`, a pure function), run as the user types
so the message appears under the field before anything is saved.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QDoubleValidator
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

from pimdesk.catalog.context import AttributeInfo
from pimdesk.catalog.validation import UNITS


class AttributeEditor(QWidget):
    """Base: a row of widgets; subclasses implement ``value``/``set_value``."""

    changed = Signal()

    def __init__(self, attribute: AttributeInfo, locale: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.attribute = attribute
        self.locale = locale
        self.row = QHBoxLayout(self)
        self.row.setContentsMargins(0, 0, 0, 0)
        self._loading = False

    def value(self) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError

    def set_value(self, value: Any) -> None:
        self._loading = True
        try:
            self._show(value)
        finally:
            self._loading = False

    def _show(self, value: Any) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def _emit(self, *_args: object) -> None:
        if not self._loading:
            self.changed.emit()

    def set_read_only(self, read_only: bool) -> None:
        for child in self.findChildren(QWidget):
            if hasattr(child, "setReadOnly"):
                child.setReadOnly(read_only)
            else:
                child.setEnabled(not read_only)

    def option_label(self, code: str) -> str:
        labels = self.attribute.options.get(code) or {}
        return str(labels.get(self.locale) or next(iter(labels.values()), code))


class TextEditor(AttributeEditor):
    def __init__(self, attribute: AttributeInfo, locale: str, parent: QWidget | None = None):
        super().__init__(attribute, locale, parent)
        self.edit = QLineEdit()
        max_length = attribute.properties.get("max_length")
        if isinstance(max_length, int):
            self.edit.setPlaceholderText(f"up to {max_length} characters")
        self.edit.textEdited.connect(self._emit)
        self.row.addWidget(self.edit)

    def value(self) -> Any:
        return self.edit.text()

    def _show(self, value: Any) -> None:
        self.edit.setText("" if value is None else str(value))


class TextAreaEditor(AttributeEditor):
    """Plain text, or rich text (stored as HTML) when the attribute says so."""

    def __init__(self, attribute: AttributeInfo, locale: str, parent: QWidget | None = None):
        super().__init__(attribute, locale, parent)
        self.rich = bool(attribute.properties.get("rich_text"))
        self.edit: QTextEdit | QPlainTextEdit = QTextEdit() if self.rich else QPlainTextEdit()
        if isinstance(self.edit, QTextEdit):
            self.edit.setAcceptRichText(True)
        self.edit.setFixedHeight(96)
        self.edit.textChanged.connect(self._emit)
        self.row.addWidget(self.edit)

    def value(self) -> Any:
        if isinstance(self.edit, QTextEdit):
            text = self.edit.toPlainText()
            if not text.strip():
                return ""
            if self._plain_html:
                return text
            return self.edit.toHtml() if _looks_formatted(self.edit) else text
        return self.edit.toPlainText()

    def _show(self, value: Any) -> None:
        text = "" if value is None else str(value)
        self._plain_html = "<" not in text
        if isinstance(self.edit, QTextEdit):
            if self._plain_html:
                self.edit.setPlainText(text)
            else:
                self.edit.setHtml(text)
        else:
            self.edit.setPlainText(text)

    _plain_html = True


def _looks_formatted(edit: QTextEdit) -> bool:
    """True when the user applied formatting (bold, lists...), so HTML is worth storing."""
    html = edit.toHtml()
    return any(tag in html for tag in ("<b>", "font-weight", "<ul", "<ol", "<i>", "font-style"))


class NumberEditor(AttributeEditor):
    def __init__(self, attribute: AttributeInfo, locale: str, parent: QWidget | None = None):
        super().__init__(attribute, locale, parent)
        self.edit = QLineEdit()
        self.edit.setValidator(QDoubleValidator())
        self.edit.setMaximumWidth(180)
        self.edit.textEdited.connect(self._emit)
        self.row.addWidget(self.edit)
        self.row.addStretch(1)

    def value(self) -> Any:
        return self.edit.text().strip()

    def _show(self, value: Any) -> None:
        self.edit.setText("" if value is None else str(value))


class MetricEditor(AttributeEditor):
    def __init__(self, attribute: AttributeInfo, locale: str, parent: QWidget | None = None):
        super().__init__(attribute, locale, parent)
        self.amount = QLineEdit()
        self.amount.setMaximumWidth(150)
        self.amount.textEdited.connect(self._emit)
        self.unit = QComboBox()
        family = str(attribute.properties.get("metric_family") or "Weight")
        for code in UNITS.get(family, {}):
            self.unit.addItem(code.lower(), code)
        default = attribute.properties.get("default_unit")
        if default:
            self.unit.setCurrentIndex(max(0, self.unit.findData(default)))
        self.unit.currentIndexChanged.connect(self._emit)
        self.row.addWidget(self.amount)
        self.row.addWidget(self.unit)
        self.row.addStretch(1)

    def value(self) -> Any:
        amount = self.amount.text().strip()
        if not amount:
            return None
        return {"amount": amount, "unit": self.unit.currentData()}

    def _show(self, value: Any) -> None:
        if isinstance(value, dict):
            self.amount.setText("" if value.get("amount") is None else str(value["amount"]))
            index = self.unit.findData(value.get("unit"))
            if index >= 0:
                self.unit.setCurrentIndex(index)
        else:
            self.amount.setText("")


class PriceEditor(AttributeEditor):
    """One amount per enabled currency."""

    def __init__(
        self,
        attribute: AttributeInfo,
        locale: str,
        currencies: tuple[str, ...] = ("USD",),
        parent: QWidget | None = None,
    ):
        super().__init__(attribute, locale, parent)
        self.amounts: dict[str, QLineEdit] = {}
        for currency in currencies:
            edit = QLineEdit()
            edit.setObjectName(f"price_{currency}")
            edit.setMaximumWidth(130)
            edit.setValidator(QDoubleValidator(0, 1e12, 4))
            edit.textEdited.connect(self._emit)
            self.row.addWidget(edit)
            self.row.addWidget(QLabel(currency))
            self.amounts[currency] = edit
        self.row.addStretch(1)

    def value(self) -> Any:
        prices = [
            {"amount": edit.text().strip(), "currency": currency}
            for currency, edit in self.amounts.items()
            if edit.text().strip()
        ]
        return prices or None

    def _show(self, value: Any) -> None:
        for edit in self.amounts.values():
            edit.setText("")
        for item in value or []:
            edit = self.amounts.get(str(item.get("currency")))
            if edit is not None and item.get("amount") is not None:
                edit.setText(str(item["amount"]))


class BooleanEditor(AttributeEditor):
    def __init__(self, attribute: AttributeInfo, locale: str, parent: QWidget | None = None):
        super().__init__(attribute, locale, parent)
        self.box = QCheckBox("Yes")
        self.box.setTristate(True)
        self.box.stateChanged.connect(self._emit)
        self.row.addWidget(self.box)
        self.row.addStretch(1)

    def value(self) -> Any:
        state = self.box.checkState()
        if state == Qt.CheckState.PartiallyChecked:
            return None
        return state == Qt.CheckState.Checked

    def _show(self, value: Any) -> None:
        if value is None:
            self.box.setCheckState(Qt.CheckState.PartiallyChecked)
        else:
            self.box.setCheckState(Qt.CheckState.Checked if value else Qt.CheckState.Unchecked)


class DateEditor(AttributeEditor):
    def __init__(self, attribute: AttributeInfo, locale: str, parent: QWidget | None = None):
        super().__init__(attribute, locale, parent)
        self.enabled = QCheckBox("Set")
        self.date = QDateEdit()
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("yyyy-MM-dd")
        self.date.setEnabled(False)
        self.enabled.toggled.connect(self.date.setEnabled)
        self.enabled.toggled.connect(self._emit)
        self.date.dateChanged.connect(self._emit)
        self.row.addWidget(self.enabled)
        self.row.addWidget(self.date)
        self.row.addStretch(1)

    def value(self) -> Any:
        if not self.enabled.isChecked():
            return None
        return self.date.date().toString("yyyy-MM-dd")

    def _show(self, value: Any) -> None:
        if value:
            self.enabled.setChecked(True)
            self.date.setDate(QDate.fromString(str(value), "yyyy-MM-dd"))
        else:
            self.enabled.setChecked(False)
            self.date.setDate(QDate.currentDate())


class SelectEditor(AttributeEditor):
    def __init__(self, attribute: AttributeInfo, locale: str, parent: QWidget | None = None):
        super().__init__(attribute, locale, parent)
        self.combo = QComboBox()
        self.combo.addItem("—", None)
        for code in attribute.options:
            self.combo.addItem(self.option_label(code), code)
        self.combo.currentIndexChanged.connect(self._emit)
        self.row.addWidget(self.combo)
        self.row.addStretch(1)

    def value(self) -> Any:
        return self.combo.currentData()

    def _show(self, value: Any) -> None:
        index = self.combo.findData(value)
        if index < 0 and value:
            self.combo.addItem(str(value), value)  # an option deleted since: still shown
            index = self.combo.count() - 1
        self.combo.setCurrentIndex(max(index, 0))


class MultiSelectEditor(AttributeEditor):
    def __init__(self, attribute: AttributeInfo, locale: str, parent: QWidget | None = None):
        super().__init__(attribute, locale, parent)
        self.list = QListWidget()
        self.list.setMaximumHeight(90)
        for code in attribute.options:
            item = QListWidgetItem(self.option_label(code))
            item.setData(Qt.ItemDataRole.UserRole, code)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.list.addItem(item)
        self.list.itemChanged.connect(self._emit)
        self.row.addWidget(self.list)

    def value(self) -> Any:
        codes = []
        for row in range(self.list.count()):
            item = self.list.item(row)
            if item.checkState() == Qt.CheckState.Checked:
                codes.append(item.data(Qt.ItemDataRole.UserRole))
        return codes or None

    def _show(self, value: Any) -> None:
        wanted = set(value or [])
        for row in range(self.list.count()):
            item = self.list.item(row)
            checked = item.data(Qt.ItemDataRole.UserRole) in wanted
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)


class IdentifierEditor(TextEditor):
    def __init__(self, attribute: AttributeInfo, locale: str, parent: QWidget | None = None):
        super().__init__(attribute, locale, parent)
        self.edit.setReadOnly(True)
        self.edit.setToolTip("The SKU identifies the product; it is not edited here.")


def make_editor(
    attribute: AttributeInfo, locale: str, currencies: tuple[str, ...]
) -> AttributeEditor:
    """The editor for an attribute's type."""
    kind = attribute.type
    if kind == "price":
        return PriceEditor(attribute, locale, currencies or ("USD",))
    classes: dict[str, type[AttributeEditor]] = {
        "identifier": IdentifierEditor,
        "text": TextEditor,
        "gtin": TextEditor,
        "textarea": TextAreaEditor,
        "number": NumberEditor,
        "metric": MetricEditor,
        "boolean": BooleanEditor,
        "date": DateEditor,
        "simpleselect": SelectEditor,
        "multiselect": MultiSelectEditor,
    }
    return classes.get(kind, TextEditor)(attribute, locale)
