"""Verify-and-land: write-once landing with owner-only permissions; anything that fails
verification goes to quarantine/<release_id>/ with reason.json and nothing enters landing."""

from __future__ import annotations

import hashlib
import json
import os
import stat
from pathlib import Path

import pytest

from orchestration.ingest.catalog import Release, ReleaseFile, open_catalog
from orchestration.ingest.landing import (
    LandedRelease,
    Quarantined,
    landing_path,
    quarantine_release,
    verify_and_land,
)
from orchestration.settings import Settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        releases=str(tmp_path / "releases"),
        dagster_home=tmp_path / "dagster",
    )


def _file(root: Path, rel: str, data: bytes, **override: object) -> ReleaseFile:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    fields = {
        "path": rel,
        "format": rel.rsplit(".", 1)[-1],
        "sha256": hashlib.sha256(data).hexdigest(),
        "bytes": len(data),
    }
    fields.update(override)
    return ReleaseFile(**fields)  # type: ignore[arg-type]


def _release(*files: ReleaseFile, release_id: str = "asif-2007-r1", period: int = 2007) -> Release:
    return Release(release_id, "asif", period, 1, "2009-03-01", False, tuple(files))


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_lands_write_once_owner_only(settings: Settings) -> None:
    root = Path(settings.releases)
    release = _release(_file(root, "asif/2007/a.csv", b"x\n1\n"))

    landed = verify_and_land(open_catalog(settings.releases), release, settings)

    assert isinstance(landed, LandedRelease)
    target = settings.landing_dir / "asif" / "2007" / "asif-2007-r1" / "a.csv"
    assert landed.files[0].path == target
    assert target.read_bytes() == b"x\n1\n"
    assert _mode(target) == 0o400
    for folder in (target.parent, target.parent.parent, settings.landing_dir):
        assert _mode(folder) == 0o700
    assert list((settings.landing_dir / ".incoming").iterdir()) == []

    # Landed again (a retry): the landed file is reused, not rewritten.
    before = target.stat().st_mtime_ns
    again = verify_and_land(open_catalog(settings.releases), release, settings)
    assert isinstance(again, LandedRelease)
    assert again.files[0].reused
    assert target.stat().st_mtime_ns == before


def _tree_modes(folder: Path) -> dict[str, int]:
    """The mode of every folder and file under `folder` (itself included), by relative path."""
    paths = [folder]
    for root, dirs, files in os.walk(folder):
        paths += [Path(root) / name for name in dirs + files]
    return {str(p.relative_to(folder)): _mode(p) for p in paths}


@pytest.mark.parametrize("umask", [0o000, 0o077], ids=lambda u: f"umask{u:03o}")
def test_modes_are_set_whatever_the_umask_and_new_releases_still_land(
    settings: Settings, umask: int
) -> None:
    """Landed files stay read-only (0400) in owner-only folders (0700): the folders stay
    writable by their owner so that later releases land beside earlier ones."""
    root = Path(settings.releases)
    first = _release(_file(root, "asif/2007/a.csv", b"x\n1\n"))
    revised = _release(_file(root, "asif/2007/r2/a.csv", b"x\n2\n"), release_id="asif-2007-r2")
    later = _release(_file(root, "asif/2008/a.csv", b"3"), release_id="asif-2008-r1", period=2008)
    bad = _release(_file(root, "asif/2009/a.csv", b"4", sha256="0" * 64), release_id="asif-2009-r1")
    catalog = open_catalog(settings.releases)
    old = os.umask(umask)
    try:
        results = [verify_and_land(catalog, r, settings) for r in (first, revised, later, bad)]
    finally:
        os.umask(old)

    assert [type(r) for r in results] == [LandedRelease] * 3 + [Quarantined]
    releases = ["asif/2007/asif-2007-r1", "asif/2007/asif-2007-r2", "asif/2008/asif-2008-r1"]
    folders = [".", ".incoming", "asif", "asif/2007", "asif/2008", *releases]
    assert _tree_modes(settings.landing_dir) == {
        **dict.fromkeys(folders, 0o700),
        **dict.fromkeys([f"{release}/a.csv" for release in releases], 0o400),
    }
    assert _tree_modes(settings.quarantine_dir) == {
        **dict.fromkeys([".", "asif-2009-r1"], 0o700),
        "asif-2009-r1/a.csv": 0o400,
        "asif-2009-r1/reason.json": 0o600,
    }


def _assert_quarantined(
    settings: Settings, result: object, reason: str, file: str
) -> dict[str, object]:
    assert isinstance(result, Quarantined)
    assert result.reason == reason
    record = json.loads((settings.quarantine_dir / "asif-2007-r1" / "reason.json").read_text())
    assert record["release_id"] == "asif-2007-r1"
    assert record["reason"] == reason
    assert record["file"] == file
    assert not (settings.landing_dir / "asif").exists()
    assert _mode(settings.quarantine_dir / "asif-2007-r1") == 0o700
    assert _mode(settings.quarantine_dir / "asif-2007-r1" / "reason.json") == 0o600
    return record


def test_sha256_mismatch_is_quarantined(settings: Settings) -> None:
    root = Path(settings.releases)
    bad = _file(root, "asif/2007/a.csv", b"x\n1\n", sha256="0" * 64)

    result = verify_and_land(open_catalog(settings.releases), _release(bad), settings)

    record = _assert_quarantined(settings, result, "sha256_mismatch", "asif/2007/a.csv")
    assert "0" * 64 in str(record["message"])
    kept = settings.quarantine_dir / "asif-2007-r1" / "a.csv"
    assert kept.read_bytes() == b"x\n1\n"


def test_file_larger_than_catalog_is_size_mismatch(settings: Settings) -> None:
    root = Path(settings.releases)
    bad = _file(root, "asif/2007/a.csv", b"0123456789" * 1000, bytes=10)

    result = verify_and_land(open_catalog(settings.releases), _release(bad), settings)

    record = _assert_quarantined(settings, result, "size_mismatch", "asif/2007/a.csv")
    assert "more than 10 bytes" in str(record["message"])
    # The download stopped one byte past the catalog size.
    assert (settings.quarantine_dir / "asif-2007-r1" / "a.csv").stat().st_size == 11


def test_one_bad_file_lands_nothing_of_the_release(settings: Settings) -> None:
    root = Path(settings.releases)
    good = _file(root, "asif/2007/a.csv", b"good")
    bad = _file(root, "asif/2007/b.csv", b"short", bytes=99)

    result = verify_and_land(open_catalog(settings.releases), _release(good, bad), settings)

    _assert_quarantined(settings, result, "size_mismatch", "asif/2007/b.csv")


def test_missing_file_is_unavailable(settings: Settings) -> None:
    root = Path(settings.releases)
    root.mkdir(parents=True)
    missing = ReleaseFile("asif/2007/none.csv", "csv", "0" * 64, 1)

    result = verify_and_land(open_catalog(settings.releases), _release(missing), settings)

    _assert_quarantined(settings, result, "file_unavailable", "asif/2007/none.csv")


def test_landed_file_is_never_replaced(settings: Settings) -> None:
    root = Path(settings.releases)
    first = _file(root, "asif/2007/a.csv", b"first")
    verify_and_land(open_catalog(settings.releases), _release(first), settings)
    target = landing_path(settings, _release(first), first)

    second = _file(root, "asif/2007/a.csv", b"second")
    result = verify_and_land(open_catalog(settings.releases), _release(second), settings)

    assert isinstance(result, Quarantined)
    assert result.reason == "landing_conflict"
    assert target.read_bytes() == b"first"


def test_quarantine_release_records_location(settings: Settings) -> None:
    release = _release(ReleaseFile("asif/2007/a.csv", "csv", "0" * 64, 1))
    folder = quarantine_release(
        settings,
        release,
        "non_numeric_value",
        "bad value",
        file="asif/2007/a.csv",
        column="gross_output",
        row=17,
    )
    record = json.loads((folder / "reason.json").read_text())
    assert (record["file"], record["column"], record["row"]) == (
        "asif/2007/a.csv",
        "gross_output",
        17,
    )
    assert record["message"] == "bad value"
