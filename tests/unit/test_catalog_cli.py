"""`citygvc catalog add` and `citygvc catalog scan` on hand-made folders: sha256, size and format
as a user would measure them, revisions instead of edits of an ingested release, inference from
folder and file names (and refusal where the names say too little), and no warehouse opened."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from orchestration.cli import main
from orchestration.ingest.catalog import parse_entry, validate_catalog
from orchestration.ingest.catalog.scan import guess

ASIF_CSV = "法人代码,工业总产值\nK1,100\n".encode()
# Not a DuckDB file: any command that opened the warehouse would fail on it.
JUNK_WAREHOUSE = b"not a duckdb file: catalog commands must never open the warehouse"


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> tuple[Path, Path]:
    """A catalog folder (CITYGVC_RELEASES) and a data folder whose warehouse is junk."""
    root, data = tmp_path / "releases", tmp_path / "data"
    root.mkdir()
    data.mkdir()
    (data / "warehouse.duckdb").write_bytes(JUNK_WAREHOUSE)
    monkeypatch.setenv("CITYGVC_DATA_DIR", str(data))
    monkeypatch.setenv("CITYGVC_RELEASES", str(root))
    return root, data


def _write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def _catalog(root: Path) -> dict[str, Any]:
    return json.loads((root / "catalog.json").read_text(encoding="utf-8"))


def _by_id(root: Path) -> dict[str, dict[str, Any]]:
    return {r["release_id"]: r for r in _catalog(root)["releases"]}


def _record(data: Path, release_id: str, status: str, sha256: str = "0" * 64) -> None:
    """state.json as the writer leaves it after ingesting one release."""
    record = {
        "release_id": release_id,
        "dataset": "asif",
        "sha256": sha256,
        "status": status,
        "code_fingerprint": "code",
    }
    (data / "state.json").write_text(json.dumps({"releases": {release_id: record}}))


def test_add_lists_a_file_with_its_sha256_size_and_format(env: tuple[Path, Path]) -> None:
    root, data = env
    _write(root / "asif" / "2005" / "ASIF_2005.csv", ASIF_CSV)
    args = ["catalog", "add", str(root / "asif/2005/ASIF_2005.csv"), "--dataset", "asif"]
    assert main([*args, "--period", "2005"]) == 0
    assert _catalog(root) == {
        "catalog_version": 1,
        "releases": [
            {
                "release_id": "asif-2005-r1",
                "dataset": "asif",
                "period": 2005,
                "revision": 1,
                "published_at": date.today().isoformat(),
                "provisional": False,
                "files": [
                    {
                        "path": "asif/2005/ASIF_2005.csv",
                        "format": "csv",
                        "sha256": hashlib.sha256(ASIF_CSV).hexdigest(),
                        "bytes": len(ASIF_CSV),
                    }
                ],
            }
        ],
    }
    releases, rejections = validate_catalog(_catalog(root))
    assert [r.release_id for r in releases] == ["asif-2005-r1"] and rejections == []
    assert (data / "warehouse.duckdb").read_bytes() == JUNK_WAREHOUSE
    assert sorted(p.name for p in root.iterdir()) == ["asif", "catalog.json"]  # no temp left


def test_adding_the_same_bytes_again_changes_nothing(env: tuple[Path, Path]) -> None:
    root, _ = env
    path = _write(root / "a.csv", ASIF_CSV)
    argv = ["catalog", "add", str(path), "--dataset", "asif", "--period", "2005"]
    assert main([*argv, "--published-at", "2007-03-01"]) == 0
    before = (root / "catalog.json").read_bytes()
    assert main(argv) == 0
    assert (root / "catalog.json").read_bytes() == before


@pytest.mark.parametrize("status", ["loaded", "quarantined"])
def test_changed_file_of_an_ingested_release_becomes_a_new_revision(
    env: tuple[Path, Path], status: str
) -> None:
    root, data = env
    path = _write(root / "asif" / "2005.csv", ASIF_CSV)
    other = _write(root / "asif" / "2005_part2.csv", ASIF_CSV.replace(b"K1", b"K2"))
    argv = ["--dataset", "asif", "--period", "2005", "--published-at", "2007-03-01"]
    assert main(["catalog", "add", str(path), str(other), *argv]) == 0
    loaded_entry = _by_id(root)["asif-2005-r1"]
    loaded_sha = parse_entry(loaded_entry).content_sha256
    _record(data, "asif-2005-r1", status, loaded_sha)

    corrected = ASIF_CSV.replace(b"100", b"150")
    path.write_bytes(corrected)
    assert main(["catalog", "add", str(path), *argv[:4]]) == 0
    releases = _by_id(root)
    assert releases["asif-2005-r1"] == loaded_entry  # an ingested entry is never edited
    r2 = releases["asif-2005-r2"]
    assert (r2["revision"], r2["published_at"]) == (2, date.today().isoformat())
    # an asif revision replaces the whole year: it carries the unchanged part too
    assert {f["path"]: f["sha256"] for f in r2["files"]} == {
        "asif/2005.csv": hashlib.sha256(corrected).hexdigest(),
        "asif/2005_part2.csv": hashlib.sha256(ASIF_CSV.replace(b"K1", b"K2")).hexdigest(),
    }
    loaded = {"asif-2005-r1": loaded_sha} if status == "loaded" else {}
    releases, rejections = validate_catalog(_catalog(root), loaded)
    assert [r.release_id for r in releases] == ["asif-2005-r1", "asif-2005-r2"]
    assert rejections == []


def test_changed_file_of_a_release_never_ingested_is_updated_in_place(
    env: tuple[Path, Path],
) -> None:
    root, data = env
    path = _write(root / "asif_2005.csv", ASIF_CSV)
    argv = ["catalog", "add", str(path), "--dataset", "asif", "--period", "2005"]
    assert main(argv) == 0
    _record(data, "asif-2004-r1", "loaded")  # another release: 2005 was never ingested
    path.write_bytes(ASIF_CSV + b"K2,200\n")
    assert main(argv) == 0
    releases = _by_id(root)
    assert list(releases) == ["asif-2005-r1"]
    assert releases["asif-2005-r1"]["files"][0]["bytes"] == len(ASIF_CSV) + len(b"K2,200\n")


def test_fdi_city_files_need_a_city_code_by_flag_or_name(env: tuple[Path, Path]) -> None:
    root, _ = env
    named = _write(root / "fdi" / "2015" / "320500.xlsx", b"PK\x03\x04 hand-made stand-in")
    unnamed = _write(root / "fdi" / "2015" / "dongguan.csv", "行业,外商投资企业\n".encode())
    base = ["catalog", "add", "--dataset", "fdi_city", "--period", "2015"]
    assert main([*base, str(unnamed)]) == 2
    assert not (root / "catalog.json").exists()
    with pytest.raises(SystemExit):  # not 6 digits: argparse refuses it
        main([*base, str(named), "--city-code", "123"])
    assert main([*base, str(named), str(unnamed), "--city-code", "441900"]) == 2  # 1 of 2
    assert not (root / "catalog.json").exists()
    assert main([*base, str(named)]) == 0
    assert main([*base, str(unnamed), "--city-code", "441900"]) == 0
    files = _by_id(root)["fdi_city-2015-r1"]["files"]
    assert {f["path"]: (f["format"], f["city_code"]) for f in files} == {
        "fdi/2015/320500.xlsx": ("xlsx", "320500"),
        "fdi/2015/dongguan.csv": ("csv", "441900"),
    }


def test_files_outside_the_catalog_folder_or_of_unknown_type_are_refused(
    env: tuple[Path, Path], tmp_path: Path
) -> None:
    root, _ = env
    outside = _write(tmp_path / "elsewhere" / "asif_2005.csv", ASIF_CSV)
    notes = _write(root / "asif_2005.sav", ASIF_CSV)
    for path in (outside, notes):
        assert main(["catalog", "add", str(path), "--dataset", "asif", "--period", "2005"]) == 2
    inside = _write(root / "asif_2005.csv", ASIF_CSV)
    argv = ["catalog", "add", str(inside), "--dataset", "asif", "--period", "2005"]
    assert main([*argv, "--catalog", "https://data.example.org/asif/"]) == 2  # not writable
    assert not (root / "catalog.json").exists()
    assert main([*argv, "--catalog", root.as_uri()]) == 0  # a file:// URL is a folder
    assert [f["path"] for f in _by_id(root)["asif-2005-r1"]["files"]] == ["asif_2005.csv"]


def test_tab_separated_and_unicode_text_files_are_added_as_csv(env: tuple[Path, Path]) -> None:
    """A scan lists .tsv files and leaves .txt notes out; a .txt named on purpose (Excel's
    "Unicode Text") is added as csv."""
    root, _ = env
    _write(root / "asif" / "2005" / "asif_2005.tsv", ASIF_CSV.replace(b",", b"\t"))
    _write(root / "asif" / "2005" / "说明.txt", "变量说明".encode())
    assert main(["catalog", "scan", str(root)]) == 0
    files = _by_id(root)["asif-2005-r1"]["files"]
    assert [(f["path"], f["format"]) for f in files] == [("asif/2005/asif_2005.tsv", "csv")]

    text = _write(root / "asif" / "2006" / "asif_2006.txt", ASIF_CSV.replace(b",", b"\t"))
    assert main(["catalog", "add", str(text), "--dataset", "asif", "--period", "2006"]) == 0
    files = _by_id(root)["asif-2006-r1"]["files"]
    assert [(f["path"], f["format"]) for f in files] == [("asif/2006/asif_2006.txt", "csv")]


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("asif/2005/part1.csv", ("asif", 2005, None)),
        ("ASIF_2006.dta", ("asif", 2006, None)),
        ("工业企业数据库2007.dta", ("asif", 2007, None)),
        ("fdi_city/2015/320500.xlsx", ("fdi_city", 2015, "320500")),
        ("外商投资/苏州_320500_2016.xls", ("fdi_city", 2016, "320500")),
        # two years in the file name: no guess; a folder year does not override it
        ("asif/2005/asif_1998_2007.dta", ("asif", None, None)),
        # a 4-digit number outside 1998-2020 is not a year
        ("asif/asif_1234.csv", ("asif", None, None)),
        ("data/misc.csv", (None, None, None)),
    ],
)
def test_scan_reads_dataset_year_and_city_from_names(
    path: str, expected: tuple[str | None, int | None, str | None]
) -> None:
    found = guess(path)
    assert (found.dataset, found.period, found.city_code) == expected


def test_scan_refuses_a_folder_it_cannot_fully_describe_then_flags_fill_the_gap(
    env: tuple[Path, Path],
) -> None:
    root, _ = env
    _write(root / "asif" / "2005" / "firms.csv", ASIF_CSV)
    _write(root / "vendor_files" / "firms.csv", ASIF_CSV.replace(b"K1", b"K9"))
    _write(root / "README.txt", b"notes")
    assert main(["catalog", "scan", str(root)]) == 2
    assert not (root / "catalog.json").exists()
    assert main(["catalog", "scan", str(root), "--dataset", "asif"]) == 2  # still no year
    assert main(["catalog", "scan", str(root), "--dataset", "asif", "--period", "2006"]) == 0
    releases = _by_id(root)
    # the flags fill what names do not say; a year in the folder name still wins for its file
    assert {rid: [f["path"] for f in r["files"]] for rid, r in releases.items()} == {
        "asif-2005-r1": ["asif/2005/firms.csv"],
        "asif-2006-r1": ["vendor_files/firms.csv"],
    }


def test_scan_keeps_existing_entries_and_adds_new_files(env: tuple[Path, Path]) -> None:
    root, _ = env
    hand = {
        "release_id": "asif-2004-r1",
        "dataset": "asif",
        "period": 2004,
        "revision": 1,
        "files": [
            {
                "path": "asif/2004/x.csv",
                "format": "csv",
                "sha256": hashlib.sha256(ASIF_CSV).hexdigest(),
                "bytes": len(ASIF_CSV),
            }
        ],
        "curator": "an unknown key, kept",
    }
    _write(root / "asif" / "2004" / "x.csv", ASIF_CSV)
    _write(root / "asif" / "2005" / "y.csv", ASIF_CSV)
    (root / "catalog.json").write_text(json.dumps({"catalog_version": 1, "releases": [hand]}))
    assert main(["catalog", "scan", str(root)]) == 0
    releases = _by_id(root)
    assert releases["asif-2004-r1"] == hand
    assert [f["path"] for f in releases["asif-2005-r1"]["files"]] == ["asif/2005/y.csv"]
