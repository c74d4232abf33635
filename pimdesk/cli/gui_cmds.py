"""Commands of the gui area (filled in by that work)."""

from __future__ import annotations

import click


def register(cli: click.Group) -> None:
    """Add this area's commands to the main group."""
