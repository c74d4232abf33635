"""The rule set a new library starts with: the naming conventions shops use most.

Most specific first. With the known SKUs at hand the matcher prefers a rule naming a known
product, so ``WB-750.jpg`` is the product ``WB-750`` even though ``{sku}-{position}`` would
read it as position 750 of ``WB``. In a folder named by SKU, a file named by role
(``WB-750/back.jpg``) takes that role, and a name that gives no position (a camera's
``IMG_4411.jpg``, whose number is a counter, or ``hero shot.jpg``) goes to the next free
position of its role, so the photos of one folder come out as 1, 2, 3 and do not all claim
position 1 (``MatchResult.position_from``).
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
    RuleSpec("sku_folder_role", "{sku}/{role}.{ext}"),
    RuleSpec("sku_folder_numbered", "{sku}/{ignore}{position}.{ext}"),
    RuleSpec("sku_folder", "{sku}/{any}.{ext}"),
)
