"""The core never imports Qt: everything below pimdesk/ except gui/ runs headless."""

from __future__ import annotations

import ast
from pathlib import Path

import pimdesk

PACKAGE = Path(pimdesk.__file__).parent


def test_core_modules_do_not_import_qt() -> None:
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if "gui" in path.relative_to(PACKAGE).parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            if any(n.split(".")[0] in {"PySide6", "PyQt5", "PyQt6", "shiboken6"} for n in names):
                offenders.append(str(path.relative_to(PACKAGE)))
    assert offenders == []
