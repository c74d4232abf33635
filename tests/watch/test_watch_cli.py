"""What `pimdesk watch` prints for the publishes the auto-publisher runs beside it."""

from __future__ import annotations

import json

import pytest

from pimdesk.cli.watch_cmds import PUBLISH_NOTES_SHOWN, _publish_printer
from pimdesk.events import Change


def test_a_publish_that_wrote_nothing_but_warns_prints_the_warnings_only(
    capsys: pytest.CaptureFixture[str],
) -> None:
    show = _publish_printer(as_json=False)
    note = "KET-1: detail image 1 (KET-1_detail_1.jpg, 100x68 px) left out of the google listing"
    show(Change("publish", channel_codes=frozenset({"google"}), detail="0 published, 0 withdrawn"))
    assert capsys.readouterr().out == ""  # nothing written, nothing to say
    show(
        Change(
            "publish",
            channel_codes=frozenset({"google"}),
            detail="0 published, 0 withdrawn",
            notes=(note,),
        )
    )
    assert capsys.readouterr().out.splitlines() == [f"warning     google: {note}"]


def test_many_warnings_are_cut_short_with_where_to_see_them(
    capsys: pytest.CaptureFixture[str],
) -> None:
    notes = tuple(f"SKU-{n}: image under 500 px" for n in range(PUBLISH_NOTES_SHOWN + 3))
    _publish_printer(as_json=False)(
        Change(
            "publish",
            product_ids=frozenset({1}),
            channel_codes=frozenset({"storefront"}),
            detail="1 published, 0 withdrawn",
            notes=notes,
        )
    )
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "published   storefront: 1 published, 0 withdrawn"
    assert lines[1 : 1 + PUBLISH_NOTES_SHOWN] == [
        f"warning     storefront: {n}" for n in notes[:PUBLISH_NOTES_SHOWN]
    ]
    assert lines[-1] == (
        "warning     storefront: 3 more warnings (pimdesk publish storefront --dry-run lists them)"
    )
    _publish_printer(as_json=True)(
        Change("publish", channel_codes=frozenset({"storefront"}), notes=notes[:1])
    )
    assert json.loads(capsys.readouterr().out)["warnings"] == list(notes[:1])
