"""Which screens, dialogs and background services the main window builds.

One list in one place, so the window's shell does not change as screens are added.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pimdesk.gui.context import GuiContext
    from pimdesk.gui.screen import Screen


def screen_factories() -> dict[str, Callable[[GuiContext], Screen]]:
    """Screen key -> factory, for every screen this build has."""
    from pimdesk.gui.assets import AssetsScreen
    from pimdesk.gui.channels import ChannelsScreen
    from pimdesk.gui.inbox import InboxScreen
    from pimdesk.gui.problems import ProblemsScreen
    from pimdesk.gui.rights import RightsScreen
    from pimdesk.gui.rules_editor import RulesEditorScreen

    return {
        "assets": AssetsScreen,
        "inbox": InboxScreen,
        "channels": ChannelsScreen,
        "rights": RightsScreen,
        "problems": ProblemsScreen,
        "rules": RulesEditorScreen,
    }


def settings_dialog() -> Callable[..., Any] | None:
    from pimdesk.gui.settings_dialog import SettingsDialog

    return SettingsDialog
