"""A library folder is self-contained: copied, moved or restored, it opens its own catalog.

Libraries made before recorded ``url = "sqlite:////abs/folder/catalog.sqlite"``: a copy of
such a folder wrote into the original's catalog and a moved one did not open. Each way such a
settings file is read is tested here, on real folders and real SQLite files.
"""

from __future__ import annotations

import shutil
import sqlite3
import tomllib
from contextlib import closing
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from pimdesk.catalog.models import Channel, Product
from pimdesk.cli import cli
from pimdesk.errors import LibraryError
from pimdesk.library import Library
from pimdesk.services import publishing
from pimdesk.services.maintenance import backup
from pimdesk.services.products import create_product


def _skus(root: Path) -> list[str]:
    with Library.open(root, create=False) as library, library.session() as s:
        return sorted(s.scalars(select(Product.sku)))


def _add(root: Path, sku: str) -> None:
    with Library.open(root, create=False) as library:
        create_product(library, sku)


def _settings(root: Path) -> dict:
    return tomllib.loads((root / "library.toml").read_text(encoding="utf-8"))


def _old_style(tmp_path: Path, name: str = "shop") -> Path:
    """A library as older versions wrote it: the catalog's absolute URL in library.toml,
    with a comment and another setting of the user's beside it."""
    root = tmp_path / name
    with Library.open(root) as library:
        create_product(library, f"{name.upper()}-1")
    catalog = (root / "catalog.sqlite").resolve()
    (root / "library.toml").write_text(
        "# my shop's library\n"
        "[database]\n"
        f'url = "sqlite:///{catalog}"  # written by pimdesk\n'
        "pool = 3\n"
        "\n"
        "[backup]\n"
        'folder = "/mnt/usb"\n',
        encoding="utf-8",
    )
    return root


def test_a_new_library_records_its_catalog_relative_to_the_folder(tmp_path: Path) -> None:
    with Library.open(tmp_path / "shop") as library:
        assert library.database_url == f"sqlite:///{(tmp_path / 'shop').absolute()}/catalog.sqlite"
    assert _settings(tmp_path / "shop") == {"database": {"catalog": "catalog.sqlite"}}
    assert str(tmp_path) not in (tmp_path / "shop" / "library.toml").read_text()


def test_a_changed_copy_leaves_the_original_unchanged(tmp_path: Path) -> None:
    original = tmp_path / "shop"
    with Library.open(original) as library:
        create_product(library, "KETTLE-1")
    copy = tmp_path / "shop-copy"
    shutil.copytree(original, copy)
    _add(copy, "COPY-ONLY")
    assert _skus(copy) == ["COPY-ONLY", "KETTLE-1"]
    assert _skus(original) == ["KETTLE-1"]
    _add(original, "ORIGINAL-ONLY")
    assert _skus(copy) == ["COPY-ONLY", "KETTLE-1"]


def test_a_moved_library_opens_with_its_data(tmp_path: Path) -> None:
    original = tmp_path / "shop"
    with Library.open(original) as library:
        create_product(library, "KETTLE-1")
    moved = tmp_path / "elsewhere" / "shop-moved"
    moved.parent.mkdir()
    original.rename(moved)
    assert _skus(moved) == ["KETTLE-1"]
    assert not original.exists()


def test_an_old_style_library_opens_its_catalog_and_is_rewritten_relative(
    tmp_path: Path,
) -> None:
    root = _old_style(tmp_path)
    assert _skus(root) == ["SHOP-1"]
    text = (root / "library.toml").read_text(encoding="utf-8")
    assert _settings(root) == {
        "database": {"catalog": "catalog.sqlite", "pool": 3},
        "backup": {"folder": "/mnt/usb"},
    }
    assert "# my shop's library" in text  # the user's comments stay
    assert str(tmp_path) not in text
    assert [p.name for p in root.iterdir() if p.name.startswith(".library.toml")] == []


def test_a_copied_old_style_library_opens_its_own_catalog_not_the_original(
    tmp_path: Path,
) -> None:
    original = _old_style(tmp_path)
    original_settings = (original / "library.toml").read_text(encoding="utf-8")
    copy = tmp_path / "shop-copy"
    shutil.copytree(original, copy)
    _add(copy, "COPY-ONLY")
    assert _skus(copy) == ["COPY-ONLY", "SHOP-1"]
    assert _settings(copy)["database"] == {"catalog": "catalog.sqlite", "pool": 3}
    assert (original / "library.toml").read_text(encoding="utf-8") == original_settings
    assert _skus(original) == ["SHOP-1"]


def test_a_moved_old_style_library_opens_with_its_data(tmp_path: Path) -> None:
    original = _old_style(tmp_path)
    moved = tmp_path / "shop-moved"
    original.rename(moved)
    assert _skus(moved) == ["SHOP-1"]
    assert _settings(moved)["database"]["catalog"] == "catalog.sqlite"
    assert not original.exists()


def test_an_old_style_catalog_kept_elsewhere_on_purpose_is_still_used(tmp_path: Path) -> None:
    """The folder holds no catalog of its own: the recorded one is the user's choice."""
    elsewhere = _old_style(tmp_path, "fastdisk")  # a real catalog with data...
    catalog = tmp_path / "fast" / "pimdesk.sqlite"
    catalog.parent.mkdir()
    shutil.copy(elsewhere / "catalog.sqlite", catalog)  # ...in a folder that is no library
    root = tmp_path / "shop"
    root.mkdir()
    settings = f'[database]\nurl = "sqlite:///{catalog}"\n'
    (root / "library.toml").write_text(settings, encoding="utf-8")
    _add(root, "SHOP-2")
    assert _skus(root) == ["FASTDISK-1", "SHOP-2"]
    assert (root / "library.toml").read_text(encoding="utf-8") == settings
    assert not (root / "catalog.sqlite").exists()


def test_an_old_style_catalog_elsewhere_wins_over_a_stale_one_in_the_folder(
    tmp_path: Path,
) -> None:
    """A user who pointed the settings at a catalog outside any library folder, leaving the
    first (empty) catalog.sqlite behind, keeps their data: that is not a copied folder."""
    root = _old_style(tmp_path)
    catalog = tmp_path / "fast" / "pimdesk.sqlite"
    catalog.parent.mkdir()
    shutil.copy(root / "catalog.sqlite", catalog)
    _add(root, "STALE")  # now the folder's own file differs from the chosen one
    settings = f'[database]\nurl = "sqlite:///{catalog}"\n'
    (root / "library.toml").write_text(settings, encoding="utf-8")
    assert _skus(root) == ["SHOP-1"]
    assert (root / "library.toml").read_text(encoding="utf-8") == settings


def test_a_catalog_kept_elsewhere_is_recorded_by_its_absolute_path(tmp_path: Path) -> None:
    catalog = tmp_path / "fast" / "pimdesk.sqlite"
    catalog.parent.mkdir()
    root = tmp_path / "shop"
    with Library.open(root, database_url=f"sqlite:///{catalog}") as library:
        create_product(library, "FAST-1")
    assert _settings(root) == {"database": {"catalog": str(catalog)}}
    moved = tmp_path / "shop-moved"
    root.rename(moved)
    assert _skus(moved) == ["FAST-1"]


def test_a_given_url_of_a_catalog_inside_the_folder_is_recorded_relative(tmp_path: Path) -> None:
    root = tmp_path / "shop"
    with Library.open(root, database_url=f"sqlite:///{root / 'data' / 'my.sqlite'}"):
        pass
    assert _settings(root) == {"database": {"catalog": "data/my.sqlite"}}
    moved = tmp_path / "moved"
    root.rename(moved)
    with Library.open(moved, create=False) as library:
        assert library.engine.url.database == str(moved.absolute() / "data" / "my.sqlite")


def test_a_postgresql_url_is_kept_as_it_is(tmp_path: Path) -> None:
    """Not a file: copying the folder shares the team's server, as it should. The URL is
    never rewritten, and a server that does not answer is named without the password."""
    root = tmp_path / "team"
    root.mkdir()
    settings = '[database]\nurl = "postgresql+psycopg://shop:s3cret@127.0.0.1:9/shop"\n'
    (root / "library.toml").write_text(settings, encoding="utf-8")
    shutil.copytree(root, tmp_path / "team-copy")
    for folder in (root, tmp_path / "team-copy"):
        with pytest.raises(LibraryError) as caught:
            Library.open(folder, create=False)
        message = str(caught.value)
        assert "127.0.0.1:9/shop" in message and "cannot open the catalog" in message
        assert "s3cret" not in message and "sqlalche.me" not in message
        assert (folder / "library.toml").read_text(encoding="utf-8") == settings


@pytest.mark.postgres
def test_a_postgresql_library_keeps_its_url_on_open_and_copy(
    tmp_path: Path, database_url: str
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only")
    root = tmp_path / "team"
    with Library.open(root, database_url=database_url) as library:
        create_product(library, "TEAM-1")
    assert _settings(root) == {"database": {"url": database_url}}
    copy = tmp_path / "team-copy"
    shutil.copytree(root, copy)
    assert _skus(copy) == ["TEAM-1"]
    assert _settings(copy) == {"database": {"url": database_url}}


def test_a_missing_catalog_is_named_not_replaced_by_an_empty_one(tmp_path: Path) -> None:
    root = _old_style(tmp_path)
    (root / "catalog.sqlite").rename(tmp_path / "put-aside.sqlite")
    result = CliRunner().invoke(cli, ["--library", str(root), "status"])
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1
    assert str(root / "catalog.sqlite") in result.stderr
    assert "missing" in result.stderr and "backup" in result.stderr
    assert not (root / "catalog.sqlite").exists()


def test_the_catalog_of_an_old_moved_folder_that_lost_it_is_named(tmp_path: Path) -> None:
    """The reviewer's case: the recorded folder is gone and this one has no catalog."""
    root = _old_style(tmp_path)
    recorded = (root / "catalog.sqlite").resolve()
    moved = tmp_path / "shop-moved"
    root.rename(moved)
    (moved / "catalog.sqlite").unlink()
    result = CliRunner().invoke(cli, ["--library", str(moved), "status"])
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1
    assert str(recorded) in result.stderr and "missing" in result.stderr
    assert "sqlalche.me" not in result.stderr and "Background" not in result.stderr


def test_a_damaged_catalog_is_named_without_sqlalchemys_link(tmp_path: Path) -> None:
    root = tmp_path / "shop"
    with Library.open(root):
        pass
    for extra in ("-wal", "-shm"):
        (root / f"catalog.sqlite{extra}").unlink(missing_ok=True)
    (root / "catalog.sqlite").write_bytes(b"this is not a database, it is a shopping list\n" * 50)
    result = CliRunner().invoke(cli, ["--library", str(root), "status"])
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1
    assert str((root / "catalog.sqlite").absolute()) in result.stderr
    assert "cannot open the catalog" in result.stderr and "backup" in result.stderr
    assert "sqlalche.me" not in result.stderr and "Background" not in result.stderr


def test_a_backup_restored_into_a_copied_folder_opens_there(tmp_path: Path) -> None:
    original = tmp_path / "shop"
    with Library.open(original) as library:
        create_product(library, "KETTLE-1")
        backup(library, tmp_path / "monday.sqlite")
        create_product(library, "LATER-1")
    restored = tmp_path / "restored"
    shutil.copytree(original, restored)
    for name in ("catalog.sqlite", "catalog.sqlite-wal", "catalog.sqlite-shm"):
        (restored / name).unlink(missing_ok=True)
    shutil.copy(tmp_path / "monday.sqlite", restored / "catalog.sqlite")
    assert _skus(restored) == ["KETTLE-1"]
    assert _skus(original) == ["KETTLE-1", "LATER-1"]


# -- channel output folders travel with the library ----------------------------------------


def _shop_channel(root: Path, output: Path) -> None:
    with Library.open(root) as library:
        create_product(library, "KETTLE-1")
        output.mkdir(parents=True, exist_ok=True)
        publishing.add_channel(
            library,
            "shop",
            exporter="shopify_csv",
            settings={"output": str(output), "base_url": "https://example.com/img/"},
        )


def _publish(root: Path) -> list[str]:
    with Library.open(root, create=False) as library:
        return publishing.publish_channel(library, "shop", mode="all").files


def _stored_output(root: Path) -> str:
    with Library.open(root, create=False) as library, library.session() as s:
        return s.scalars(select(Channel).where(Channel.code == "shop")).one().settings["output"]


def test_a_copy_publishes_into_its_own_exports_not_the_originals(tmp_path: Path) -> None:
    original = tmp_path / "shop"
    _shop_channel(original, original / "exports" / "shop")
    assert _stored_output(original) == "exports/shop"
    assert _publish(original) == [str(original / "exports" / "shop" / "products.csv")]
    copy = tmp_path / "shop-copy"
    shutil.copytree(original, copy)
    before = (original / "exports" / "shop" / "products.csv").stat().st_mtime_ns
    (copy / "exports" / "shop" / "products.csv").unlink()
    assert _publish(copy) == [str(copy / "exports" / "shop" / "products.csv")]
    assert (copy / "exports" / "shop" / "products.csv").is_file()
    assert (original / "exports" / "shop" / "products.csv").stat().st_mtime_ns == before
    with Library.open(copy, create=False) as library:  # shown whole, where it really is
        shown = publishing.show_channel(library, "shop", with_counts=False)
        assert shown.settings["output"] == str(copy / "exports" / "shop")


def test_an_old_style_copy_moves_its_channel_output_over(tmp_path: Path) -> None:
    """Older versions stored the demo's outputs as absolute paths into the library."""
    original = tmp_path / "shop"
    output = original / "exports" / "shop"
    _shop_channel(original, output)
    catalog = (original / "catalog.sqlite").resolve()
    (original / "library.toml").write_text(f'[database]\nurl = "sqlite:///{catalog}"\n')
    with closing(sqlite3.connect(catalog)) as conn, conn:  # as older versions left it
        conn.execute(
            "UPDATE channel SET settings = json_set(settings, '$.output', ?) WHERE code = 'shop'",
            (str(output.resolve()),),
        )
    copy = tmp_path / "shop-copy"
    shutil.copytree(original, copy)
    assert _stored_output(copy) == "exports/shop"
    assert _settings(copy) == {"database": {"catalog": "catalog.sqlite"}}
    assert _publish(copy) == [str(copy / "exports" / "shop" / "products.csv")]
    assert not (output / "products.csv").exists()
    assert _publish(original) == [str(output / "products.csv")]


def test_an_output_folder_outside_the_library_stays_where_it_is(tmp_path: Path) -> None:
    web = tmp_path / "www" / "feeds"
    original = tmp_path / "shop"
    _shop_channel(original, web)
    copy = tmp_path / "shop-copy"
    shutil.copytree(original, copy)
    assert _stored_output(copy) == str(web)
    assert _publish(copy) == [str(web / "products.csv")]


def test_a_moved_library_publishes_to_an_outside_folder_from_its_own_renditions(
    tmp_path: Path,
) -> None:
    """The listing cache (cache/listings/, moved along) names rendition files: a moved
    library must not reuse it, or the next publish reads the old folder's renditions."""
    from PIL import Image

    from pimdesk.services import assets, ingest

    web = tmp_path / "www"
    web.mkdir()
    root = tmp_path / "shop"
    with Library.open(root) as library:
        create_product(library, "KET-1", values={"name-en_US": "Kettle", "price-USD": "12"})
        photo = tmp_path / "KET-1_main_1.jpg"
        Image.new("RGB", (1200, 1200), "red").save(photo, "JPEG")
        asset_id = ingest.ingest_paths(library, [photo]).files[0].asset_id
        assert asset_id is not None
        assets.set_approval(library, asset_id, "approved")
        publishing.add_channel(library, "web", exporter="storefront", settings={"output": str(web)})
        assert publishing.publish_channel(library, "web").errors == []
    moved = tmp_path / "moved"
    root.rename(moved)
    shutil.rmtree(web / "images")
    with Library.open(moved, create=False) as library:
        create_product(library, "KET-2", values={"name-en_US": "Kettle 2", "price-USD": "9"})
        report = publishing.publish_channel(library, "web")
    assert report.errors == [] and report.published == ["KET-2"]
    assert len(list((web / "images").iterdir())) == 1
