"""Names cameras and phones give their files, whose numbers are counters, not positions.

``IMG_4411.jpg`` says nothing about the product or where its photo goes in the gallery: a
rule may read its digits as a position (``{sku}/{ignore}{position}.{ext}``), but the user
expects the photos of a SKU folder at 1, 2, 3, not at 4411. Pure (no I/O): the rules mark
such a position as the camera's, the ingest writer gives the next free one instead, and an
unmatched camera name gets a hint saying so.
"""

from __future__ import annotations

import re
from pathlib import PurePath

# IMG_4411, _MG_0012, DSC_0042, DSCN0010, DSCF1234, P1010001, GOPR0001, DJI_0001,
# PXL_20240101_..., 20240101_123456
CAMERA_NAME = re.compile(
    r"^(?:(?:IMG|_MG|MVIMG|VID|DSC[NF]?|GOPR|GH\d|DJI|PXL)[_-]?\d|P\d{7}\.|\d{8}[_-]\d{6})",
    re.IGNORECASE,
)


def is_camera_name(file_name: str) -> bool:
    """True when ``file_name`` (no folder) is the name a camera or phone gave the file."""
    return CAMERA_NAME.match(file_name) is not None


def camera_name_hint(path: str, reason: str) -> str:
    """An inbox reason that says so when the file still carries its camera's own name (a
    rule may read "IMG" as a SKU: the name says nothing about the product). The ingest
    writer and ``rules test`` both say it, so the tester tells what the ingest will."""
    name = PurePath(path).name
    if not is_camera_name(name):
        return reason
    return (
        f"{name} is a camera's own file name, not a product's ({reason}): rename it after "
        "its product (e.g. SKU_main_1.jpg) or put it in a folder named by the SKU"
    )
