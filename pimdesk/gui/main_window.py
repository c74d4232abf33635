"""The main window: sidebar, screens, search box, status bar, menus.

It owns the :class:`GuiContext` and answers navigation requests (open a product, open an
asset, open the rules editor); screens never reach into each other.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QProgressBar,
    QSplitter,
    QStackedWidget,
    QWidget,
)

from pimdesk.events import Change
from pimdesk.gui.context import GuiContext
from pimdesk.gui.dialogs import about
from pimdesk.gui.screen import MessagePanel, Screen
from pimdesk.gui.sidebar import Sidebar
from pimdesk.library import Library
from pimdesk.services import browse


class PlaceholderScreen(Screen):
    """A screen whose service has not arrived yet: says so instead of showing nothing."""

    def __init__(self, ctx: GuiContext, key: str, label: str, text: str):
        self.key = key
        self.label = label
        super().__init__(ctx)
        from PySide6.QtWidgets import QVBoxLayout

        layout = QVBoxLayout(self)
        layout.addWidget(MessagePanel(label, text))


# Every screen of the window, in the order of the View menu: key -> label.
SCREENS: dict[str, str] = {
    "products": "Products",
    "editor": "Product",
    "assets": "Assets",
    "inbox": "Unmatched inbox",
    "channels": "Channels",
    "rights": "Rights & expiry",
    "problems": "Problems",
    "rules": "Filename rules",
}


class Screens:
    """The window's screens by key, each built (and added to the stack) on first use.

    ``screens["assets"]`` builds the Assets screen if it does not exist yet; :meth:`built`
    lists only those that do (saving state, for instance, needs no others).
    """

    def __init__(self, build: Callable[[str], Screen], stack: QStackedWidget):
        self._build = build
        self._stack = stack
        self._built: dict[str, Screen] = {}

    def __contains__(self, key: object) -> bool:
        return key in SCREENS

    def __iter__(self) -> Iterator[str]:
        return iter(SCREENS)

    def __getitem__(self, key: str) -> Screen:
        screen = self._built.get(key)
        if screen is None:
            if key not in SCREENS:
                raise KeyError(key)
            screen = self._build(key)
            self._built[key] = screen
            self._stack.addWidget(screen)
        return screen

    def get(self, key: str) -> Screen | None:
        return self[key] if key in SCREENS else None

    def is_built(self, key: str) -> bool:
        return key in self._built

    def built(self) -> list[Screen]:
        return list(self._built.values())


class MainWindow(QMainWindow):
    def __init__(
        self,
        library: Library,
        *,
        log_path: Path | None = None,
        settings: QSettings | None = None,
    ):
        super().__init__()
        self.setObjectName("mainWindow")
        self.setWindowTitle(f"pimdesk — {library.root}")
        self.context = GuiContext(library, settings=settings, log_path=log_path, parent=self)
        self.context.error_parent = self
        ctx = self.context

        self.sidebar = Sidebar()
        self.stack = QStackedWidget()
        self.stack.setObjectName("screens")
        # Built the first time each is shown: at start only the products table exists, so
        # the window (and its first page) does not wait for eight screens nobody looks at.
        self.screens = Screens(self._build_screen, self.stack)

        from pimdesk.gui.search import SearchBox

        self.search = SearchBox(ctx)
        toolbar = self.addToolBar("Search")
        toolbar.setObjectName("searchToolbar")
        toolbar.setMovable(False)
        toolbar.addWidget(self.search)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.addWidget(self.sidebar)
        self.splitter.addWidget(self.stack)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([210, 1100])
        self.setCentralWidget(self.splitter)

        self._build_status_bar()
        self._build_menus()

        self.sidebar.screen_chosen.connect(self.show_screen)
        ctx.nav.open_screen.connect(self.show_screen)
        ctx.nav.open_product.connect(self.open_product)
        ctx.nav.open_asset.connect(self.open_asset)
        ctx.nav.open_rules.connect(self.open_rules)
        ctx.nav.status_message.connect(lambda text: self.statusBar().showMessage(text, 6000))
        ctx.events.changed.connect(self._on_change)

        self.watch: Any = None
        self.last_problems: int | None = None
        self.last_notice = ""
        self._quiet_timer = QTimer(self)
        self._quiet_timer.setSingleShot(True)
        self._quiet_timer.setInterval(1500)
        self._quiet_timer.timeout.connect(self._ingest_quiet)

        self._counts_timer = QTimer(self)
        self._counts_timer.setSingleShot(True)
        self._counts_timer.setInterval(300)
        self._counts_timer.timeout.connect(self.refresh_counts)

        from pimdesk.gui.collector import QuietCollector

        self.collector = QuietCollector(parent=self)  # no full-heap GC pauses while painting
        self.collector.start()

        self.resize(1360, 860)
        self.restore_state()
        self.sidebar.select("products")
        self.show_screen("products")
        self.refresh_counts()

    # -- building ----------------------------------------------------------------------

    def _build_screen(self, key: str) -> Screen:
        from pimdesk.gui import registry

        ctx = self.context
        if key == "products":
            from pimdesk.gui.products import ProductsScreen

            return ProductsScreen(ctx)
        if key == "editor":
            from pimdesk.gui.product_editor import ProductEditorScreen

            return ProductEditorScreen(ctx)
        factory = registry.screen_factory(key)
        if factory is not None:
            return factory(ctx)
        return PlaceholderScreen(
            ctx, key, SCREENS[key], "This part of pimdesk is not available in this build yet."
        )

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.watcher_label = QLabel("Watcher: off")
        self.watcher_label.setObjectName("watcherState")
        self.ingest_progress = QProgressBar()
        self.ingest_progress.setObjectName("ingestProgress")
        self.ingest_progress.setMaximumWidth(220)
        self.ingest_progress.setVisible(False)
        self.problems_label = QLabel("")
        self.problems_label.setObjectName("problemsNotice")
        bar.addPermanentWidget(self.problems_label)
        bar.addPermanentWidget(self.ingest_progress)
        bar.addPermanentWidget(self.watcher_label)

    def _build_menus(self) -> None:
        menu = self.menuBar()
        file_menu = menu.addMenu("&File")
        self.action_settings = QAction("&Settings…", self)
        self.action_settings.setShortcut(QKeySequence.StandardKey.Preferences)
        self.action_settings.setMenuRole(QAction.MenuRole.PreferencesRole)
        self.action_settings.triggered.connect(self.open_settings)
        file_menu.addAction(self.action_settings)
        file_menu.addSeparator()
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)

        edit_menu = menu.addMenu("&Edit")
        self.action_undo = QAction("&Undo last change", self)
        self.action_undo.setShortcut(QKeySequence.StandardKey.Undo)
        self.action_undo.triggered.connect(self.undo)
        edit_menu.addAction(self.action_undo)
        find = QAction("&Find…", self)
        find.setShortcut(QKeySequence.StandardKey.Find)
        find.triggered.connect(self.search.focus_search)
        edit_menu.addAction(find)

        view_menu = menu.addMenu("&View")
        for key, label in SCREENS.items():
            if key == "editor":
                continue
            action = QAction(label, self)
            action.triggered.connect(lambda _=False, k=key: self.show_screen(k))
            view_menu.addAction(action)

        help_menu = menu.addMenu("&Help")
        about_action = QAction("&About pimdesk", self)
        about_action.setMenuRole(QAction.MenuRole.AboutRole)
        about_action.triggered.connect(lambda: about(self))
        help_menu.addAction(about_action)

    # -- navigation --------------------------------------------------------------------

    def current_screen(self) -> Screen:
        widget = self.stack.currentWidget()
        assert isinstance(widget, Screen)
        return widget

    def show_screen(self, key: str) -> None:
        screen = self.screens.get(key)
        if screen is None:
            return
        self.stack.setCurrentWidget(screen)
        if key != "editor":
            self.sidebar.select(key)
        screen.activate()

    def open_product(self, sku: str) -> None:
        editor = self.screens["editor"]
        editor.open_sku(sku)  # type: ignore[attr-defined]
        self.show_screen("editor")

    def open_asset(self, asset_id: int) -> None:
        screen = self.screens.get("assets")
        if screen is not None and hasattr(screen, "open_asset"):
            self.show_screen("assets")
            screen.open_asset(asset_id)

    def open_rules(self, file_name: str) -> None:
        screen = self.screens.get("rules")
        if screen is not None and hasattr(screen, "prefill"):
            screen.prefill(file_name)
        self.show_screen("rules")

    def undo(self) -> None:
        screen = self.current_screen()
        if hasattr(screen, "undo"):
            screen.undo()
        else:
            self.statusBar().showMessage("Open a product to undo its last change.", 4000)

    def open_settings(self) -> None:
        from pimdesk.gui import registry

        factory = registry.settings_dialog()
        if factory is None:
            self.statusBar().showMessage("Settings are not available in this build yet.", 4000)
            return
        dialog = factory(self.context, self)
        dialog.open()

    # -- live state --------------------------------------------------------------------

    def refresh_counts(self) -> None:
        self.context.workers.run(
            browse.sidebar_counts, self.context.library, on_result=self._set_counts
        )

    def _set_counts(self, counts: browse.SidebarCounts) -> None:
        self.sidebar.set_counts(counts)
        self.last_counts = counts
        if counts.problems:
            self.problems_label.setText(f"⚠ {counts.problems} problem file(s)")
            if self.last_problems is not None and counts.problems > self.last_problems:
                self.notify(f"⚠ {counts.problems - self.last_problems} new problem file(s)")
        else:
            self.problems_label.setText("")
        self.last_problems = counts.problems

    def _on_change(self, _change: Change) -> None:
        self._counts_timer.start()

    def start_background(self, **watcher_options: Any) -> None:
        """Start the watcher and auto-publish inside the window (it holds the library lock)."""
        from pimdesk.gui.watch_bridge import WatchBridge

        if self.watch is not None:
            return
        self.watch = WatchBridge(self.context.library, parent=self, **watcher_options)
        self.watch.state_changed.connect(self.watcher_label.setText)
        self.watch.event.connect(self._watch_event)
        self.watch.published.connect(self._auto_published)
        self.watch.publish_failed.connect(
            lambda channel, message: self.statusBar().showMessage(
                f"Auto-publish to {channel} failed: {message}", 10000
            )
        )
        self.watch.start()

    def _watch_event(self, event: Any) -> None:
        if event.kind == "ingested":
            self.ingest_progress.setVisible(True)
            self.ingest_progress.setRange(0, 0)
            self._quiet_timer.start()
            outcome = event.outcome
            if outcome is not None and outcome.outcome == "problem":
                name = Path(event.path or outcome.path).name
                self.notify(f"⚠ {name} could not be added: {outcome.reason}")
            elif outcome is not None and outcome.sku:
                self.statusBar().showMessage(
                    f"{Path(outcome.path).name} → {outcome.sku} ({outcome.role})", 6000
                )
        elif event.kind in ("warning", "error", "offline"):
            self.notify(f"{event.folder}: {event.message or event.kind}")

    def notify(self, text: str) -> None:
        """A notice the user sees without a dialog in the way: status bar and tray."""
        self.statusBar().showMessage(text, 15000)
        self.last_notice = text

    def _ingest_quiet(self) -> None:
        self.ingest_progress.setVisible(False)
        if self.watch is not None:
            self.watch.settle()

    def _auto_published(self, report: Any) -> None:
        if report.published or report.withdrawn:
            self.statusBar().showMessage(
                f"Auto-published {len(report.published)} listing(s) to {report.channel}", 8000
            )
            self.context.events.changed.emit(
                Change(kind="publish", channel_codes=frozenset({report.channel}))
            )

    # -- state across runs -------------------------------------------------------------

    def restore_state(self) -> None:
        settings = self.context.settings
        geometry = settings.value("window/geometry")
        if isinstance(geometry, QByteArray | bytes):
            self.restoreGeometry(QByteArray(geometry))
        state = settings.value("window/state")
        if isinstance(state, QByteArray | bytes):
            self.restoreState(QByteArray(state))
        self._splitter_restored = False

    def showEvent(self, event: QShowEvent) -> None:
        """Splitter sizes are restored once the window has its real size (restoring them
        earlier lets the first layout pass redistribute them)."""
        super().showEvent(event)
        if not self._splitter_restored:
            self._splitter_restored = True
            splitter = self.context.settings.value("window/splitter")
            if isinstance(splitter, QByteArray | bytes):
                self.splitter.restoreState(QByteArray(splitter))

    def save_state(self) -> None:
        settings = self.context.settings
        settings.setValue("window/geometry", self.saveGeometry())
        settings.setValue("window/state", self.saveState())
        settings.setValue("window/splitter", self.splitter.saveState())
        for screen in self.screens.built():
            if hasattr(screen, "save_state"):
                screen.save_state(settings)
        settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_state()
        super().closeEvent(event)

    def shutdown(self) -> None:
        if self.watch is not None:
            self.watch.stop()
            self.watch = None
        self.context.close()
        self.collector.collect_all()


def find_child(parent: QWidget, name: str) -> QWidget | None:
    return parent.findChild(QWidget, name)
