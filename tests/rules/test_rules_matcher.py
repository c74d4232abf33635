"""The pure matcher: templates, regular expressions, options, explanations, untrusted SKUs."""

from __future__ import annotations

import pytest

from pimdesk.rules import (
    DEFAULT_RULES,
    RuleError,
    RuleSpec,
    amazon_code,
    build_ruleset,
    check_sku,
)

KNOWN = {"AB_12", "WB-750", "B0ABCDE123", "ab-1", "TEE-RED-M", "X1"}


def one(pattern: str, kind: str = "template", **options: object):
    return build_ruleset([RuleSpec("r", pattern, kind, options)])


# -- templates are not greedy traps ------------------------------------------------------------

TEMPLATE_TABLE = [
    # (template, name, sku, role, position)
    ("{sku}_{role}", "AB_12_front.jpg", "AB_12", "front", 1),
    ("{sku}_{role}", "AB_12_F.JPG", "AB_12", "front", 1),
    ("{sku}_{role}", "AB_12_1.jpg", "AB_12", "main", 1),
    ("{sku}_{role}_{position}.{ext}", "AB_12_front_2.jpg", "AB_12", "front", 2),
    ("{sku}_{role}_{position}.{ext}", "A_B_C_back_03.png", "A_B_C", "back", 3),
    ("{sku}-{role}.{ext}", "TEE-RED-M-back.webp", "TEE-RED-M", "back", 1),
    ("{sku}-{role}.{ext}", "TEE-RED-M-ls.webp", "TEE-RED-M", "lifestyle", 1),
    ("{sku}_{position}.{ext}", "AB_12_7.jpg", "AB_12", "main", 7),
    ("{sku}.{ext}", "WB-750.final.jpg", "WB-750.final", "main", 1),
    # the name gives no position: the ingest takes the next free one (None here)
    ("{sku}/{any}.{ext}", "WB-750/IMG_0001.JPG", "WB-750", "main", None),
    ("{sku}/{any}.{ext}", "shoot/2024/WB-750/IMG_0001.JPG", "WB-750", "main", None),
    ("{sku}/{role}.{ext}", "WB-750/back.jpg", "WB-750", "back", 1),
    ("{sku}.{role_code}.{ext}", "B0ABCDE123.MAIN.jpg", "B0ABCDE123", "main", 1),
    ("{sku}.{role_code}.{ext}", "B0ABCDE123.PT03.jpg", "B0ABCDE123", "gallery", 3),
    ("{sku}.{role_code}.{ext}", "B0ABCDE123.swch.jpg", "B0ABCDE123", "swatch", 1),
    ("{ignore}_{sku}_{role}.{ext}", "IMG_AB_12_front.jpg", "AB_12", "front", 1),
]


@pytest.mark.parametrize(("template", "name", "sku", "role", "position"), TEMPLATE_TABLE)
def test_template_splits_names_as_a_person_would(
    template: str, name: str, sku: str, role: str, position: int | None
) -> None:
    result = one(template).match(name)
    assert result.matched, [a.reason for a in result.tried]
    assert (result.sku, result.role, result.position) == (sku, role, position)


def test_template_with_locale_is_normalised() -> None:
    result = one("{sku}_{locale}_{role}.{ext}").match("AB_12_de-de_front.jpg")
    assert (result.sku, result.locale, result.role) == ("AB_12", "de_DE", "front")


def test_template_without_ext_needs_an_extension_and_reports_it() -> None:
    result = one("{sku}_{role}").match("AB_12_front")
    assert not result.matched
    assert "expected '.'" in result.tried[0].reason


def test_folder_template_needs_a_folder() -> None:
    result = one("{sku}/{any}.{ext}").match("IMG_0001.jpg")
    assert not result.matched
    assert "folder" in result.tried[0].reason


# -- the default rule set ----------------------------------------------------------------------

DEFAULT_TABLE = [
    # (name, rule, sku, role, position)
    ("AB_12_front_2.jpg", "sku_role_position", "AB_12", "front", 2),
    ("AB_12_front.jpg", "sku_role", "AB_12", "front", 1),
    ("AB_12_3.jpg", "sku_position", "AB_12", "main", 3),
    ("AB_12.jpg", "sku", "AB_12", "main", 1),  # known SKU beats "position 12 of AB"
    ("WB-750.jpg", "sku", "WB-750", "main", 1),
    ("WB-750-back.JPG", "sku-role", "WB-750", "back", 1),
    ("WB-750-b-2.JPG", "sku-role-position", "WB-750", "back", 2),
    ("WB-750/IMG_4411.jpg", "sku_folder_numbered", "WB-750", "main", None),  # camera's
    ("WB-750/shot3.jpg", "sku_folder_numbered", "WB-750", "main", 3),
    ("WB-750/back.jpg", "sku_folder_role", "WB-750", "back", 1),
    ("WB-750/photo.jpg", "sku_folder", "WB-750", "main", None),  # next free
    ("B0ABCDE123.PT08.jpg", "amazon", "B0ABCDE123", "gallery", 8),
    ("AB-1.png", "sku", "ab-1", "main", 1),  # case-insensitive lookup -> stored spelling
    ("x1_f.jpg", "sku_role", "X1", "front", 1),
]


@pytest.mark.parametrize(("name", "rule", "sku", "role", "position"), DEFAULT_TABLE)
def test_default_rules_cover_common_conventions(
    name: str, rule: str, sku: str, role: str, position: int | None
) -> None:
    result = build_ruleset(DEFAULT_RULES).match(name, known_skus=KNOWN)
    assert (result.rule, result.sku, result.role, result.position) == (rule, sku, role, position)
    assert result.action == "link"
    assert result.sku_known is True


POSITION_FROM = [
    # (name, position_from, position): the name's own number, a slot name without one,
    # a camera's counter, free text
    ("WB-750_front_2.jpg", "name", 2),
    ("WB-750/shot3.jpg", "name", 3),
    ("B0ABCDE123.PT08.jpg", "name", 8),
    ("WB-750.jpg", "default", 1),
    ("WB-750/back.jpg", "default", 1),
    ("WB-750/IMG_4411.jpg", "camera", None),
    ("WB-750/DSC01234.JPG", "camera", None),
    ("WB-750/_MG_0001.jpg", "camera", None),
    ("WB-750/P1010001.JPG", "camera", None),
    ("WB-750/photo.jpg", "next", None),
]


@pytest.mark.parametrize(("name", "source", "position"), POSITION_FROM)
def test_the_match_says_where_its_position_came_from(
    name: str, source: str, position: int | None
) -> None:
    result = build_ruleset(DEFAULT_RULES).match(name, known_skus=KNOWN)
    assert (result.position_from, result.position) == (source, position)
    assert result.to_json()["position_from"] == source
    if position is None:  # the tester says what the ingest will do instead
        assert "position=next free" in result.explanation


def test_a_camera_counter_is_named_in_the_explanation() -> None:
    result = build_ruleset(DEFAULT_RULES).match("WB-750/IMG_4411.jpg", known_skus=KNOWN)
    assert "4411 is the camera's counter, not a position" in result.explanation


def test_explanations_say_why_earlier_rules_did_not_match() -> None:
    result = build_ruleset(DEFAULT_RULES).match("AB_12_front.jpg", known_skus=KNOWN)
    tried = {a.rule: a.reason for a in result.tried}
    assert list(tried) == ["amazon", "sku_role_position", "sku-role-position"]
    assert "Amazon code" in tried["amazon"]
    assert tried["sku_role_position"] == "after '{sku}_{role}', expected '_'"
    payload = result.to_json()
    assert payload["rule"] == "sku_role" and payload["fields"]["role"] == "front"


def test_unknown_sku_waits_in_inbox_and_later_rules_are_explained() -> None:
    result = build_ruleset(DEFAULT_RULES).match("NOPE_front.jpg", known_skus=KNOWN)
    assert result.action == "inbox"
    assert result.sku == "NOPE" and result.sku_known is False
    assert "not a known product" in result.reason
    assert any("not a known product" in a.reason for a in result.tried)  # 'sku' rule, later


def test_unknown_sku_can_create_a_draft_or_be_a_problem() -> None:
    create = one("{sku}.{ext}", unknown_sku="create").match("NEW-1.jpg", known_skus=KNOWN)
    assert (create.action, create.sku) == ("create", "NEW-1")
    strict = one("{sku}.{ext}", strict=True).match("NEW-1.jpg", known_skus=KNOWN)
    assert strict.action == "problem"


def test_unmatched_is_inbox_when_lenient_and_problem_when_strict() -> None:
    lenient = build_ruleset([RuleSpec("r", "{sku}_{role}.{ext}")])
    assert lenient.match("plain.jpg").action == "inbox"
    strict = build_ruleset([RuleSpec("r", "{sku}_{role}.{ext}")], {"strict": True})
    outcome = strict.match("plain.jpg")
    assert (outcome.action, outcome.reason) == ("problem", "no filename rule matched")


def test_case_sensitive_rule_does_not_fold_skus() -> None:
    result = one("{sku}.{ext}", case_insensitive=False).match("wb-750.jpg", known_skus=KNOWN)
    assert result.sku_known is False
    assert one("{sku}.{ext}").match("wb-750.jpg", known_skus=KNOWN).sku == "WB-750"


def test_custom_role_aliases_per_rule_and_per_set() -> None:
    rule = one("{sku}_{role}.{ext}", role_aliases={"pk": "packshot"})
    assert rule.match("AB_pk.jpg").role == "packshot"
    rule_set = build_ruleset(
        [RuleSpec("r", "{sku}_{role}.{ext}")], {"role_aliases": {"v": "video"}}
    )
    assert rule_set.match("AB_v.mp4").role == "video"


def test_without_known_skus_the_first_match_wins() -> None:
    result = build_ruleset(DEFAULT_RULES).match("WB-750.jpg")
    assert (result.rule, result.sku, result.position) == ("sku-position", "WB", 750)
    assert result.sku_known is None and result.action == "link"


# -- regular expressions -------------------------------------------------------------------------


def test_python_regex_with_named_groups() -> None:
    rule = one(
        r"^(?P<sku>[A-Z]+-\d+)__(?P<role>[a-z]+)(?:__(?P<locale>[a-z]{2}_[A-Z]{2}))?\.", "regex"
    )
    result = rule.match("WB-750__back__fr_FR.jpg")
    assert (result.sku, result.role, result.locale) == ("WB-750", "back", "fr_FR")


def test_akeneo_style_pattern_with_delimiters_flags_and_pcre_groups() -> None:
    rule = one(r"/^(?<product_ref>[a-z0-9-]+)-(?<position>\d+)\.(?<ext>jpe?g)$/i", "regex")
    result = rule.match("WB-750-2.JPG")
    assert (result.sku, result.position, result.ext) == ("WB-750", 2, "jpg")


def test_akeneo_pattern_with_backreference_and_unknown_groups_kept_as_ignored() -> None:
    rule = one(r"/^(?<sku>\w+)_(?<shoot>\d+)_\k<shoot>\.png$/", "regex")
    result = rule.match("AB_7_7.png")
    assert result.sku == "AB" and result.ignored == ["7"]
    assert not rule.match("AB_7_8.png").matched


def test_regex_with_slash_matches_the_relative_path() -> None:
    rule = one(r"/^(?<sku>[^\/]+)\/.+\.jpg$/", "regex")
    assert rule.match("WB-750/IMG_1.jpg").sku == "WB-750"


def test_regex_role_must_be_known() -> None:
    rule = one(r"^(?P<sku>\w+?)_(?P<role>\w+)\.jpg$", "regex")
    result = rule.match("AB_sideways.jpg")
    assert not result.matched
    assert "not a known role" in result.tried[0].reason


# -- errors when saving, never at match time ---------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "kind", "message"),
    [
        (r"(?P<sku>[a-", "regex", "position 8"),
        (r"/^(?<sku>.+)_(?<role>\w+$/i", "regex", "position 13"),
        (r"/^(?<sku>.+)$/U", "regex", "flag 'U' is not supported"),
        (r"^(?P<name>.+)\.jpg$", "regex", "no SKU group"),
        ("{sku}_{rol}.{ext}", "template", "unknown field {rol} at position 6"),
        ("{sku", "template", "position 0 is never closed"),
        ("sku}", "template", "'}' without '{' at position 3"),
        ("{role}.{ext}", "template", "no {sku}"),
        ("{sku}_{sku}.{ext}", "template", "appears twice"),
        ("/{sku}.{ext}", "template", "empty folder name at position 0"),
        ("../{sku}.{ext}", "template", "'.' or '..' as a folder"),
        ("{sku}.{ext}", "glob", "unknown rule kind"),
        ("", "template", "empty"),
    ],
)
def test_invalid_rules_are_errors_naming_the_rule_and_position(
    pattern: str, kind: str, message: str
) -> None:
    with pytest.raises(RuleError) as caught:
        build_ruleset([RuleSpec("my rule", pattern, kind)])
    assert "rule 'my rule'" in str(caught.value)
    assert message in str(caught.value)


@pytest.mark.parametrize(
    "options",
    [{"unknown_sku": "delete"}, {"strict": "yes"}, {"colour": 1}, {"role_aliases": {"x": "a/b"}}],
)
def test_invalid_options_are_rejected(options: dict[str, object]) -> None:
    with pytest.raises(RuleError):
        build_ruleset([RuleSpec("r", "{sku}.{ext}", "template", options)])


# -- SKUs from file names are untrusted --------------------------------------------------------


@pytest.mark.parametrize(
    ("sku", "reason"),
    [
        ("..", "'..'"),
        ("a..b", "'..'"),
        ("a/b", "path separator"),
        ("a\\b", "path separator"),
        ("a\x00b", "control character"),
        ("a\nb", "control character"),
        ("a\u202eb", "control character"),
        (" ", "empty"),
        ("x" * 256, "longer than"),
    ],
)
def test_check_sku_rejects_dangerous_skus(sku: str, reason: str) -> None:
    problem = check_sku(sku)
    assert problem is not None and reason in problem


def test_rejected_sku_is_a_problem_with_the_reason() -> None:
    rules = build_ruleset([RuleSpec("r", r"^(?P<sku>.+)\.jpg$", "regex", {"scope": "path"})])
    result = rules.match("a/../b.jpg")
    assert (result.action, result.sku) == ("problem", None)
    assert "rejected" in result.reason and "'..'" in result.reason
    backslash = build_ruleset(DEFAULT_RULES).match("..\\etc.jpg")
    assert backslash.action == "problem" and "rejected" in backslash.reason


def test_a_later_rule_may_still_place_a_file_whose_first_sku_was_rejected() -> None:
    rules = build_ruleset(
        [
            RuleSpec("loose", r"^(?P<sku>.+)_x\.jpg$", "regex", {"scope": "path"}),
            RuleSpec("folder", "{sku}/{any}.{ext}"),
        ]
    )
    result = rules.match("WB-750/a\\b_x.jpg")
    assert (result.rule, result.sku) == ("folder", "WB-750")
    assert "rejected" in result.tried[0].reason


def test_names_with_spaces_emoji_and_unicode() -> None:
    rules = build_ruleset(DEFAULT_RULES)
    assert rules.match("Café Mug_front.jpg", known_skus={"Café Mug"}).sku == "Café Mug"
    assert rules.match("🙂-1_back.jpg").sku == "🙂-1"
    long_name = "A" * 240 + "_front.jpg"
    assert rules.match(long_name).sku == "A" * 240


def test_amazon_code_is_the_inverse_of_the_mapping() -> None:
    assert amazon_code("main", 1) == "MAIN"
    assert amazon_code("gallery", 4) == "PT04"
    assert amazon_code("swatch", 1) == "SWCH"
    assert amazon_code("back", 1) is None


def test_decomposed_unicode_names_find_composed_skus() -> None:
    import unicodedata

    nfd = unicodedata.normalize("NFD", "Café-1_front.jpg")
    result = build_ruleset(DEFAULT_RULES).match(nfd, known_skus={"Café-1"})
    assert (result.sku, result.sku_known, result.action) == ("Café-1", True, "link")


def test_result_tells_ingest_what_to_do_with_unknown_skus_and_problems() -> None:
    create = one("{sku}.{ext}", unknown_sku="create").match("NEW-1.jpg", known_skus=KNOWN)
    assert (create.unknown_sku, create.strict) == ("create", False)
    assert create.explanation == "rule 'r': sku='NEW-1' role=main position=1"
    problem = build_ruleset([RuleSpec("r", "{sku}_{role}.{ext}")], {"strict": True}).match("x.jpg")
    assert problem.strict and problem.explanation == "no filename rule matched"


# -- strict rule sets and position 0 (what a user expects) -------------------------------------


def test_a_strict_rule_set_makes_unknown_skus_problems_too() -> None:
    """Strict = nothing waits in the Unmatched inbox: a file naming an unknown SKU is a
    problem like a file no rule matched, unless the SKU is to become a draft product."""
    strict = build_ruleset([RuleSpec("r", "{sku}_{role}.{ext}")], {"strict": True})
    unknown = strict.match("NOPE-9_front.jpg", known_skus=KNOWN)
    assert (unknown.action, unknown.sku) == ("problem", "NOPE-9")
    assert "not a known product" in unknown.reason
    assert strict.match("plain.jpg", known_skus=KNOWN).action == "problem"
    assert strict.match("WB-750_front.jpg", known_skus=KNOWN).action == "link"
    lenient_rule = build_ruleset(
        [RuleSpec("r", "{sku}_{role}.{ext}", options={"strict": False})], {"strict": True}
    )
    assert lenient_rule.match("NOPE-9_front.jpg", known_skus=KNOWN).action == "inbox"
    drafts = build_ruleset(
        [RuleSpec("r", "{sku}_{role}.{ext}")], {"strict": True, "unknown_sku": "create"}
    )
    assert drafts.match("NOPE-9_front.jpg", known_skus=KNOWN).action == "create"


def test_a_later_rule_naming_a_known_sku_still_wins_in_a_strict_set() -> None:
    strict = build_ruleset(DEFAULT_RULES, {"strict": True})
    assert strict.match("WB-750.jpg", known_skus=KNOWN).action == "link"


@pytest.mark.parametrize(
    ("pattern", "name"),
    [
        ("{sku}_{role}_{position}.{ext}", "WB-750_main_0.jpg"),
        ("{sku}_{role}_{position}.{ext}", "WB-750_main_00.jpg"),
        ("{sku}_{position}.{ext}", "WB-750_0.jpg"),
        (r"^(?P<sku>[A-Z0-9-]+)~(?P<position>\d+)\.jpg$", "WB-750~0.jpg"),
    ],
)
def test_position_0_is_the_first_position(pattern: str, name: str) -> None:
    kind = "regex" if pattern.startswith("^") else "template"
    result = one(pattern, kind).match(name, known_skus=KNOWN)
    assert (result.action, result.sku, result.position) == ("link", "WB-750", 1)


def test_position_0_and_no_position_name_the_same_slot_with_the_defaults() -> None:
    rules = build_ruleset(DEFAULT_RULES)
    slots = {
        (r.sku, r.role, r.position)
        for r in (
            rules.match(n, known_skus=KNOWN)
            for n in ("WB-750_main_0.jpg", "WB-750_main.jpg", "WB-750_main_1.jpg")
        )
    }
    assert slots == {("WB-750", "main", 1)}
