"""``pimdesk demo`` and ``pimdesk status`` agree on the channels: the demo's three and the
``ecommerce`` channel every new library starts with."""

from __future__ import annotations

import re

from pimdesk.library import Library
from pimdesk.services.demo import load_demo
from pimdesk.services.status import library_status


def test_the_demo_counts_the_channels_that_status_lists(library: Library) -> None:
    report = load_demo(library)
    summary = next(s["summary"] for s in report.steps if s["step"] == "reference data")
    match = re.search(r"(\d+) channels \(([^)]*)\)", summary)
    assert match, summary
    listed = library_status(library)["catalog"]["channels"]
    assert int(match.group(1)) == len(listed) == 4
    for channel in listed:
        assert channel["code"] in match.group(2)
    assert "ecommerce without an exporter" in match.group(2)
