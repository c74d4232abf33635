"""Filename rules: compile, match, explain. Pure functions, no I/O, no catalog.

``build_ruleset([RuleSpec(...), ...]).match("WB-750/front.jpg", known_skus={...})`` gives a
:class:`MatchResult`; ``pimdesk.services.rules.load_ruleset(session)`` builds the library's.
"""

from pimdesk.rules.compile import CompiledRule
from pimdesk.rules.defaults import DEFAULT_RULES
from pimdesk.rules.options import RuleError, RuleOptions
from pimdesk.rules.roles import AMAZON_CODES, DEFAULT_ROLE_ALIASES, KNOWN_ROLES, amazon_code
from pimdesk.rules.ruleset import Attempt, MatchResult, RuleSet, SkuIndex, check_sku
from pimdesk.rules.spec import RuleSpec, build_ruleset, compile_spec

__all__ = [
    "AMAZON_CODES",
    "DEFAULT_ROLE_ALIASES",
    "DEFAULT_RULES",
    "KNOWN_ROLES",
    "Attempt",
    "CompiledRule",
    "MatchResult",
    "RuleError",
    "RuleOptions",
    "RuleSet",
    "RuleSpec",
    "SkuIndex",
    "amazon_code",
    "build_ruleset",
    "check_sku",
    "compile_spec",
]
