"""``pimdesk status`` completeness counts, from the stored per-channel completeness.

After every kind of change a user makes (an edit on a variant, on its model, a deletion, a
new requirement in the family, a channel's locales), the counts ``status`` shows equal the
completeness computed afresh for every product, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from typing import Any

from click.testing import CliRunner

from pimdesk.catalog import completeness_counts
from pimdesk.catalog.context import load_context
from pimdesk.cli import cli
from pimdesk.library import Library
from pimdesk.services import products, reference
from pimdesk.services.status import completeness_summary


def reference_counts(library: Library) -> list[dict[str, Any]]:
    with library.session() as s:
        return completeness_counts.summary_computed(s, load_context(s))


def counts(library: Library) -> dict[str, int]:
    """{"ecommerce": complete everywhere, "ecommerce/en_US": ..., "total": ...} as shown."""
    shown = completeness_summary(library)
    assert shown == reference_counts(library)
    out: dict[str, int] = {}
    for row in shown:
        out["total"] = row["total"]
        out[row["channel"]] = row["complete"]
        for locale in row["locales"]:
            out[f"{row['channel']}/{locale['locale']}"] = locale["complete"]
    return out


def test_counts_follow_edits_models_deletions_and_requirements(apparel: Library) -> None:
    lib = apparel
    first = counts(lib)
    assert first["total"] == 2
    assert first["ecommerce/en_US"] == 1  # TEE-BLK-S; TEE-BLK-M has no EUR price, no weight
    products.set_values(
        lib, "TEE-BLK-M", {"price-EUR": "9", "weight": "210", "weight-unit": "GRAM"}
    )
    assert counts(lib)["ecommerce/en_US"] == 2
    # the model's name is what both variants show: clearing it makes both incomplete
    products.set_values(lib, "TEE", {"name-en_US": ""})
    assert counts(lib)["ecommerce/en_US"] == 0
    products.set_values(lib, "TEE", {"name-en_US": "Tee", "name-de_DE": "T-Shirt"})
    assert counts(lib)["ecommerce"] == 2  # complete in en_US and de_DE
    products.delete_product(lib, "TEE-BLK-M")
    after_delete = counts(lib)
    assert after_delete["total"] == 1 and after_delete["ecommerce"] == 1
    # a new requirement changes no product, yet every count follows it
    reference.set_family_requirements(
        lib, "shirts", requirements={"ecommerce": ["sku", "name", "price", "weight", "brand"]}
    )
    assert counts(lib)["ecommerce"] == 1  # the model carries brand "Acme"
    reference.set_family_requirements(
        lib, "shirts", requirements={"ecommerce": ["sku", "name", "description"]}
    )
    assert counts(lib)["ecommerce"] == 0
    reference.set_channel_scope(lib, "ecommerce", locales=["en_US"], currencies=["USD"])
    assert counts(lib)["ecommerce"] == 0 and "ecommerce/de_DE" not in counts(lib)


def test_status_cli_shows_the_stored_counts(apparel: Library) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["--library", str(apparel.root), "status", "--json"])
    assert result.exit_code == 0, result.output
    import json

    shown = json.loads(result.output)["catalog"]["completeness"]
    assert shown == reference_counts(apparel)
