"""The rule set a new library starts with: the naming conventions shops use most.

Most specific first. With the known SKUs at hand the matcher prefers a rule naming a known
product, so ``WB-750.jpg`` is the product ``WB-750`` even though ``{sku}-{position}`` would
read it as position 750 of ``WB``.
"""

from __future__ import annotations

from pimdesk.rules.spec import RuleSpec

DEFAULT_RULES: tuple[RuleSpec, ...] = (
    RuleSpec("amazon", "{sku}.{role_code}.{ext}"),
    RuleSpec("sku_role_position", "{sku}_{role}_{position}.{ext}"),
    RuleSpec("sku-role-position", "{sku}-{role}-{position}.{ext}"),
    RuleSpec("sku_role", "{sku}_{role}.{ext}"),
    RuleSpec("sku-role", "{sku}-{role}.{ext}"),
    RuleSpec("sku_position", "{sku}_{position}.{ext}"),
    RuleSpec("sku-position", "{sku}-{position}.{ext}"),
    RuleSpec("sku", "{sku}.{ext}"),
    RuleSpec("sku_folder", "{sku}/{any}.{ext}"),
)
