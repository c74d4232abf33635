"""The command line starts without importing what the command does not need.

``pimdesk --help`` lists every command from ``pimdesk.cli.COMMANDS`` without importing any
command module (no SQLAlchemy, Pillow, Alembic or watchdog); a command imports its own
module when it runs. ``COMMANDS`` is checked here against what the modules register.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path

import click
from click.testing import CliRunner

from pimdesk.cli import COMMANDS, cli

HEAVY = ("sqlalchemy", "PIL", "alembic", "watchdog", "PySide6", "lxml")

PROBE = (
    f"HEAVY = {HEAVY!r}\n"
    + """
import json, sys
from pimdesk.cli import cli
try:
    cli(sys.argv[1:], prog_name="pimdesk")
except SystemExit:
    pass
heavy = sorted({m.split(".")[0] for m in sys.modules if m.split(".")[0] in HEAVY})
print("\\nPROBE" + json.dumps({"heavy": heavy, "library": "pimdesk.library" in sys.modules}))
"""
)


def probe(*args: str) -> tuple[str, dict[str, object]]:
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, check=True
    )
    text, _, data = proc.stdout.rpartition("\nPROBE")
    return text, json.loads(data)


def test_help_lists_every_command_without_importing_any_of_them() -> None:
    text, loaded = probe("--help")
    assert loaded == {"heavy": [], "library": False}
    listed = text.split("Commands:", 1)[1].split()
    for name in [*COMMANDS, "init"]:
        assert name in listed, name


def test_a_command_imports_only_its_own_area() -> None:
    text, loaded = probe("publish", "--help")
    assert "--dry-run" in text and "--history" in text
    assert loaded == {"heavy": [], "library": False}


def test_the_command_table_matches_what_the_modules_register() -> None:
    registered: dict[str, tuple[str, str]] = {}
    for module in dict.fromkeys(m for m, _ in COMMANDS.values()):
        group = click.Group("probe")
        importlib.import_module(f"pimdesk.cli.{module}").register(group)
        for name, command in group.commands.items():
            summary = command.short_help or (command.help or "").split("\n\n")[0]
            registered[name] = (module, " ".join(summary.split()))
    assert registered == COMMANDS


def test_help_text_is_what_the_loaded_commands_say() -> None:
    lazy = CliRunner().invoke(cli, ["--help"]).output
    cli.load_all()  # type: ignore[attr-defined]
    loaded = CliRunner().invoke(cli, ["--help"]).output
    assert lazy == loaded


def test_status_in_a_fresh_process_still_has_every_section(tmp_path: Path) -> None:
    root = tmp_path / "lib"
    subprocess.run([sys.executable, "-m", "pimdesk", "--library", str(root), "init"], check=True)
    proc = subprocess.run(
        [sys.executable, "-m", "pimdesk", "--library", str(root), "status", "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    sections = json.loads(proc.stdout)
    assert {"catalog", "assets", "publishing", "watch"} <= set(sections)
    assert "ecommerce" in {c["channel"] for c in sections["publishing"]["channels"]}
