"""The pieces store's unique claims: a partial reassignment gives exactly the claims a full
pass in feed order gives, whatever changed (real SQLite files)."""

from __future__ import annotations

import random
from pathlib import Path

from pimdesk.channels.pieces import PieceStore, bases_trying, in_chain

BASES = ["mug", "mug-2", "mug-2-2", "mug-3", "cup", "cup-2", "mug-10", "2", "2-2"]


def claims(store: PieceStore) -> dict[str, str]:
    return dict(store.db.execute("SELECT key, claim FROM groups"))


def test_in_chain_and_the_bases_that_can_try_a_name() -> None:
    assert in_chain("mug", "mug", "mug-3")
    assert in_chain("mug-2", "mug", "mug-3") and in_chain("mug-3", "mug", "mug-3")
    assert not in_chain("mug-4", "mug", "mug-3")
    assert not in_chain("mug-2", "mug", "mug")
    assert not in_chain("mug-2-2", "mug", "mug-3")
    assert in_chain("mug-2-2", "mug-2", "mug-2-2")
    assert bases_trying("mug-2-2") == ["mug-2-2", "mug-2"]
    assert bases_trying("mug") == ["mug"]


def test_partial_reassignment_equals_a_full_pass(tmp_path: Path) -> None:
    rng = random.Random(4)
    incremental = PieceStore(tmp_path / "incremental.sqlite")
    full = PieceStore(tmp_path / "full.sqlite")
    groups: dict[str, tuple[str, str]] = {}  # key -> (ord, base)
    for n in range(40):
        groups[f"g{n}"] = (f"{rng.randrange(1000):04d}-{n}", rng.choice(BASES))
    rows = [(k, o, b, [], [], 0) for k, (o, b) in groups.items()]
    incremental.put_groups(rows)
    incremental.resolve_all_claims()
    for step in range(150):
        key = rng.choice(sorted(groups))
        action = rng.choice(["base", "move", "remove", "add"])
        old = incremental.group_rows([key]).get(key)
        freed = [(old[0], old[2])] if old else []
        if action == "remove" and len(groups) > 5:
            del groups[key]
            incremental.remove_groups([key])
            seeds: list[str] = []
        else:
            if action == "add":
                key = f"new{step}"
            order = groups.get(key, (f"{rng.randrange(1000):04d}-{step}", ""))[0]
            if action in ("move", "add"):
                order = f"{rng.randrange(1000):04d}-{step}"
            base = rng.choice(BASES) if action != "move" else groups[key][1]
            groups[key] = (order, base)
            incremental.put_groups([(key, order, base, [], [], 0)])
            seeds = [key]
        incremental.reassign_claims(seeds, freed)
        full.reset()
        full.put_groups([(k, o, b, [], [], 0) for k, (o, b) in groups.items()])
        full.resolve_all_claims()
        assert claims(incremental) == claims(full), f"step {step}: {action} {key}"
    given = list(claims(incremental).values())
    assert len(given) == len(set(given))
