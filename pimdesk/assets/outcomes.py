"""What ingest reports: per-file outcomes, progress events and the final report.

Plain dataclasses (no ORM objects), shared by the pipeline, the services, the CLI and GUI.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

# Outcome kinds, in the users' words.
NEW_ASSET = "new_asset"  # a new asset (linked, or waiting in the inbox when unmatched)
NEW_VERSION = "new_version"  # version N+1 of the asset in that (product, role, position)
IDENTICAL = "identical"  # bytes already known: nothing stored again
RELINKED = "relinked"  # known bytes linked to another product slot, or a moved source
UNMATCHED = "unmatched"  # stored, waiting in the Unmatched inbox with a reason
PROBLEM = "problem"  # not ingested; the reason is recorded in `assets problems`


@dataclass(frozen=True)
class FileOutcome:
    path: str
    outcome: str
    asset_id: int | None = None
    version: int | None = None
    sku: str | None = None
    role: str | None = None
    position: int | None = None
    reason: str | None = None  # inbox reason or problem reason
    rule: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class IngestEvent:
    """Progress: ``stage`` is ``scan`` (files found), ``file`` (one done) or ``done``."""

    stage: str
    done: int
    total: int
    path: str | None = None
    outcome: str | None = None
    message: str = ""


@dataclass
class IngestReport:
    files: list[FileOutcome] = field(default_factory=list)
    asset_ids: set[int] = field(default_factory=set)
    product_ids: set[int] = field(default_factory=set)

    def count(self, outcome: str) -> int:
        return sum(1 for f in self.files if f.outcome == outcome)

    @property
    def problems(self) -> list[FileOutcome]:
        return [f for f in self.files if f.outcome == PROBLEM]

    def summary(self) -> dict[str, int]:
        kinds = [NEW_ASSET, NEW_VERSION, IDENTICAL, RELINKED, UNMATCHED, PROBLEM]
        return {kind: self.count(kind) for kind in kinds}

    def to_dict(self) -> dict[str, Any]:
        return {
            "summary": self.summary(),
            "asset_ids": sorted(self.asset_ids),
            "product_ids": sorted(self.product_ids),
            "files": [f.to_dict() for f in self.files],
        }
