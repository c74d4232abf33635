"""Which screens, dialogs and background services the main window builds.

One list in one place, so the window's shell does not change as screens are added.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pimdesk.gui.context import GuiContext
    from pimdesk.gui.screen import Screen


# screen key -> "module:class", imported only when the screen is first shown
_SCREENS = {
    "assets": "pimdesk.gui.assets:AssetsScreen",
    "inbox": "pimdesk.gui.inbox:InboxScreen",
    "channels": "pimdesk.gui.channels:ChannelsScreen",
    "rights": "pimdesk.gui.rights:RightsScreen",
    "problems": "pimdesk.gui.problems:ProblemsScreen",
    "rules": "pimdesk.gui.rules_editor:RulesEditorScreen",
}


def screen_factory(key: str) -> Callable[[GuiContext], Screen] | None:
    """The factory of one screen, importing only its module (None: not in this build)."""
    import importlib

    target = _SCREENS.get(key)
    if target is None:
        return None
    module, _, name = target.partition(":")
    factory: Callable[[GuiContext], Screen] = getattr(importlib.import_module(module), name)
    return factory


def settings_dialog() -> Callable[..., Any] | None:
    from pimdesk.gui.settings_dialog import SettingsDialog

    return SettingsDialog
