"""Demo photos: product-like images drawn with Pillow at run time (nothing downloaded).

``add_demo_photos`` (a step of ``pimdesk demo``) writes a small "photo shoot" into the
library's ``demo-shoot/`` folder, named the way a photographer would name them
(``TOTE-NAT_main_1.jpg``, ``TEE-ORG-WHI_main_1.jpg`` for every size of a colour, ...), and
ingests it through the filename rules. It then shows the rest of the loop: one photo is
replaced (the asset gets version 2), one asset's rights expire soon, one has expired (it
is never published) and one file matches no rule (it waits in the Unmatched inbox).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

from PIL import Image, ImageDraw, ImageFilter
from sqlalchemy import func, select

from pimdesk.catalog.models import Asset, Product, ProductModel

if TYPE_CHECKING:
    from pimdesk.library import Library

SIZE = 1200
SHOOT_FOLDER = "demo-shoot"

COLOURS = {
    "WHI": (236, 236, 232),
    "BLA": (38, 38, 42),
    "BLK": (38, 38, 42),
    "NAV": (32, 48, 92),
    "SAN": (206, 186, 150),
    "OLI": (104, 112, 66),
    "NAT": (222, 205, 170),
}

# (file name stem, shape) for the shoot; model codes link to every variant below them.
SHOTS = [
    ("TEE-ORG-WHI_main_1", "tee"),
    ("TEE-ORG-BLA_main_1", "tee"),
    ("TEE-ORG-NAV_main_1", "tee"),
    ("TEE-ORG_lifestyle_1", "tee"),
    ("SHIRT-LIN-SAN_main_1", "tee"),
    ("SHIRT-LIN-OLI_main_1", "tee"),
    ("TOTE-NAT_main_1", "bag"),
    ("TOTE-NAT_back_1", "bag"),
    ("TOTE-BLK_main_1", "bag"),
    ("BP-ROLL-20_main_1", "bag"),
    ("BP-DAY-15_main_1", "bag"),
    ("DUF-WKD-40_main_1", "bag"),
    ("SLV-LAP-13_main_1", "bag"),
    ("KET-GS-17_main_1", "pot"),
    ("FP-CLS-8_main_1", "pot"),
    ("POUR-CER-02_main_1", "pot"),
    ("POUR-CER-02_lifestyle_1", "pot"),
    ("TEA-CI-08_main_1", "pot"),
    ("KNF-CHF-20_main_1", "knife"),
    ("BRD-OAK-40_main_1", "board"),
    ("SKL-CI-26_main_1", "pot"),
    ("POT-SS-5_main_1", "pot"),
]
REPLACED = "TOTE-NAT_main_1"  # re-shot: becomes version 2
EXPIRING = "KET-GS-17_main_1"  # rights end in 10 days
EXPIRED = "POUR-CER-02_lifestyle_1"  # rights ended: never published
UNMATCHED = "IMG_2041"  # no rule matches: waits in the inbox


def _colour(stem: str, variant: int) -> tuple[int, int, int]:
    for code, colour in COLOURS.items():
        if f"-{code}" in stem:
            base = colour
            break
    else:
        digest = hashlib.sha256(stem.split("_")[0].encode()).digest()
        base = (60 + digest[0] % 150, 60 + digest[1] % 150, 60 + digest[2] % 150)
    if variant:
        return tuple(min(255, max(0, c + 28 * variant)) for c in base)  # type: ignore[return-value]
    return base


def draw_product(stem: str, shape: str, variant: int = 0) -> Image.Image:
    """A studio-style product shot: soft backdrop, shadow, a simple product silhouette."""
    image = Image.new("RGB", (SIZE, SIZE), (248, 248, 246))
    backdrop = Image.linear_gradient("L").resize((SIZE, SIZE)).point(lambda v: 236 + v // 24)
    image = Image.merge("RGB", (backdrop, backdrop, backdrop))
    colour = _colour(stem, variant)
    shadow = Image.new("L", (SIZE, SIZE), 0)
    ImageDraw.Draw(shadow).ellipse((300, 930, 900, 1010), fill=110)
    image.paste((150, 150, 150), (0, 0), shadow.filter(ImageFilter.GaussianBlur(28)))
    draw = ImageDraw.Draw(image)
    outline = tuple(max(0, c - 40) for c in colour)
    if shape == "tee":
        body = [
            (380, 300),
            (520, 250),
            (680, 250),
            (820, 300),
            (960, 440),
            (860, 520),
            (800, 470),
            (800, 950),
            (400, 950),
            (400, 470),
            (340, 520),
            (240, 440),
        ]
        draw.polygon(body, fill=colour, outline=outline, width=6)
        draw.arc((520, 200, 680, 320), 20, 160, fill=outline, width=8)
    elif shape == "bag":
        draw.arc((430, 170, 770, 560), 180, 360, fill=outline, width=26)
        draw.rounded_rectangle((300, 380, 900, 960), 40, fill=colour, outline=outline, width=6)
    elif shape == "pot":
        draw.ellipse((330, 380, 870, 960), fill=colour, outline=outline, width=6)
        draw.rounded_rectangle((520, 300, 680, 400), 20, fill=outline)
        draw.arc((800, 480, 1000, 760), 270, 90, fill=outline, width=28)
    elif shape == "knife":
        draw.polygon([(250, 640), (820, 560), (900, 600), (820, 650)], fill=(200, 204, 210))
        draw.rounded_rectangle((820, 570, 1040, 660), 30, fill=colour)
    else:  # board
        draw.rounded_rectangle((260, 420, 940, 900), 60, fill=colour, outline=outline, width=6)
        draw.ellipse((820, 470, 880, 530), fill=(248, 248, 246))
    if variant:
        draw.ellipse((860, 140, 1020, 300), outline=(200, 60, 60), width=10)  # re-shot marker
    role = stem.split("_")[1] if "_" in stem else ""
    if role == "back":
        image = image.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
        ImageDraw.Draw(image).rectangle((520, 520, 680, 640), fill=outline)  # a back pocket
    elif role == "lifestyle":  # a warm room instead of the studio backdrop
        tint = Image.new("RGB", image.size, (214, 168, 120))
        image = Image.blend(image, tint, 0.35)
    return image.filter(ImageFilter.SMOOTH)


def _save(folder: Path, stem: str, shape: str, variant: int = 0) -> Path:
    path = folder / f"{stem}.jpg"
    draw_product(stem, shape, variant).save(path, "JPEG", quality=88)
    return path


def add_demo_photos(library: Library) -> str:
    """The demo's photo shoot, ingested through the rules (see the module docstring)."""
    from pimdesk.services import rights
    from pimdesk.services.ingest import ingest_paths

    with library.session() as session:
        if session.scalar(select(func.count(Asset.id))):
            return "photos already there"
        known = set(session.scalars(select(Product.sku))) | set(
            session.scalars(select(ProductModel.code))
        )
    folder = library.root / SHOOT_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    for stem, shape in SHOTS:
        if stem.split("_")[0] in known:
            _save(folder, stem, shape)
    _save(folder, UNMATCHED, "bag")
    first = ingest_paths(library, [folder])
    _save(folder, REPLACED, "bag", variant=1)  # the photographer re-shoots one product
    second = ingest_paths(library, [folder / f"{REPLACED}.jpg"], source_root=folder)
    by_name = {Path(f.path).stem: f for f in first.files + second.files if f.asset_id}
    now = dt.datetime.now(dt.UTC)
    if EXPIRING in by_name:
        rights.set_rights(
            library,
            by_name[EXPIRING].asset_id,  # type: ignore[arg-type]
            holder="Demo Studio",
            licence="web shop use, 12 months",
            expires_at=now + dt.timedelta(days=10),
        )
    if EXPIRED in by_name:
        rights.set_rights(
            library,
            by_name[EXPIRED].asset_id,  # type: ignore[arg-type]
            holder="Stock agency",
            licence="campaign only",
            expires_at=now - dt.timedelta(days=5),
        )
    summary = first.summary()
    return (
        f"{summary['new_asset']} photos linked through the rules, "
        f"1 re-shot as version 2, 1 expiring soon, 1 expired, "
        f"{summary['unmatched']} waiting in the inbox (folder {folder})"
    )
