"""Write-audit-publish: a new set appears only whole, readers see one set, rollback works."""

from __future__ import annotations

import json
import os
import stat
import subprocess
from pathlib import Path

import duckdb
import pytest

from orchestration.settings import DEFAULT_KEEP_VERSIONS as KEEP_VERSIONS
from orchestration.settings import Settings
from orchestration.warehouse import served_db
from orchestration.warehouse.publish import build_version, rollback, stale_versions, swap_in
from orchestration.warehouse.served_db import served_db_written


def _settings(tmp_path: Path, **env: str) -> Settings:
    settings = Settings.from_env({"CITYGVC_DATA_DIR": str(tmp_path / "data"), **env})
    settings.serve_dir.mkdir(parents=True)
    return settings


def _warehouse(tmp_path: Path, value: int, rows: int = 100000) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(tmp_path / f"wh{value}.duckdb"))
    con.execute("create schema marts")
    # strings of many distinct values: the column DuckDB compresses with FSST or dictionary
    con.execute(
        "create table marts.fct_a as select range as k, (range * ?)::decimal(18,3) as v, "
        "md5(range::varchar) || repeat('x', range % 7) as name, 'city_' || (range % 97) as city "
        "from range(?)",
        [value, rows],
    )
    con.execute("create table marts.dim_b as select 'x' as code, ? as n", [value])
    return con


def _publish(settings: Settings, con: duckdb.DuckDBPyConnection, fingerprint: str) -> dict:
    docs = {"fct_a": {"description": "a fact", "columns": {"v": "a value, thousand yuan"}}}
    version, manifest = build_version(con, settings, fingerprint, [], docs)
    swap_in(settings, version, manifest)
    return manifest


def _served_sum(settings: Settings) -> tuple[int, int]:
    with duckdb.connect(str(settings.serve_dir / "citygvc.duckdb"), read_only=True) as pub:
        db = pub.execute("select sum(v)::bigint from marts.fct_a").fetchone()[0]
    parquet = duckdb.sql(
        f"select sum(v)::bigint from read_parquet('{settings.serve_dir}/parquet/fct_a.parquet')"
    ).fetchall()[0][0]
    return int(db), int(parquet)


def test_publish_serves_the_marts_with_docs_and_manifest(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    manifest = _publish(settings, _warehouse(tmp_path, 2), "a" * 64)

    expected = 2 * sum(range(100000))
    assert _served_sum(settings) == (expected, expected)
    served = json.loads((settings.serve_dir / "manifest.json").read_text())
    assert served == manifest
    assert served["row_counts"] == {"dim_b": 1, "fct_a": 100000}
    assert (settings.serve_dir / "parquet").resolve().parent.name == "a" * 16
    with duckdb.connect(str(settings.serve_dir / "citygvc.duckdb"), read_only=True) as pub:
        comment = pub.execute(
            "select comment from duckdb_tables() where table_name = 'fct_a'"
        ).fetchone()[0]
        column = pub.execute(
            "select comment from duckdb_columns() where table_name = 'fct_a' and column_name = 'v'"
        ).fetchone()[0]
    assert (comment, column) == ("a fact", "a value, thousand yuan")


def test_same_marts_give_byte_identical_files(tmp_path: Path) -> None:
    """The same marts publish the same bytes: Parquet, manifest and the DuckDB file
    (which DuckDB alone would not write twice the same, see orchestration/served_db.py)."""
    served = []
    for run in ("one", "two"):
        (tmp_path / run).mkdir()
        settings = _settings(tmp_path / run)
        manifest = _publish(settings, _warehouse(tmp_path / run, 3), "b" * 64)
        files = sorted(settings.serve_dir.glob("*.*")) + sorted(
            settings.serve_dir.glob("parquet/*")
        )
        served.append(
            (manifest, {p.relative_to(settings.serve_dir): p.read_bytes() for p in files})
        )
    (first, first_files), (second, second_files) = served
    assert "citygvc.duckdb" in first["files"]
    assert first == second
    assert first_files.keys() == second_files.keys()
    assert [p for p in first_files if first_files[p] != second_files[p]] == []


def test_rollback_restores_previous_publish(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    first = _publish(settings, _warehouse(tmp_path, 1), "c" * 64)
    _publish(settings, _warehouse(tmp_path, 5), "d" * 64)
    assert _served_sum(settings)[0] == 5 * sum(range(100000))

    restored = rollback(settings)

    assert restored == "c" * 16
    assert _served_sum(settings) == (sum(range(100000)), sum(range(100000)))
    assert json.loads((settings.serve_dir / "manifest.json").read_text()) == first
    with pytest.raises(RuntimeError, match="no earlier publish"):
        rollback(settings)


def _served_modes(serve: Path) -> dict[str, int]:
    """The mode of serve/ and of every folder and file in it (not of the symlinks)."""
    modes = {".": stat.S_IMODE(serve.stat().st_mode)}
    for root, dirs, files in os.walk(serve):
        for name in dirs + files:
            path = Path(root) / name
            if not path.is_symlink():
                modes[str(path.relative_to(serve))] = stat.S_IMODE(path.stat().st_mode)
    return modes


def _assert_served_modes(serve: Path) -> None:
    """Files read-only for everyone; folders readable by everyone, writable by their owner
    only (what deleting the read-only files of an old version needs)."""
    modes = _served_modes(serve)
    folders = {p for p in modes if (serve / p).is_dir()}
    assert {"versions", "citygvc.duckdb", "manifest.json", "history.json"} <= modes.keys()
    assert {p: m for p, m in modes.items() if p in folders and m != 0o755} == {}
    assert {p: m for p, m in modes.items() if p not in folders and m != 0o444} == {}
    assert (serve / "parquet").is_symlink() and (serve / "exports").is_symlink()


@pytest.mark.parametrize("umask", [0o000, 0o077], ids=lambda u: f"umask{u:03o}")
def test_served_files_are_read_only_whatever_the_umask(tmp_path: Path, umask: int) -> None:
    settings = _settings(tmp_path)
    old = os.umask(umask)
    try:
        _publish(settings, _warehouse(tmp_path, 1, rows=100), "e" * 64)
    finally:
        os.umask(old)

    _assert_served_modes(settings.serve_dir)
    assert len(list(settings.serve_dir.glob("versions/*/parquet/*.parquet"))) == 2


def test_stale_versions_are_all_but_the_last_kept_publishes() -> None:
    history = ["a", "b", "c", "d"]
    folders = ["d", "c", "b", "a", "orphan", ".build-e"]
    assert stale_versions(history, folders, keep=2) == ["a", "b", "orphan"]
    assert stale_versions(history, folders, keep=1) == ["a", "b", "c", "orphan"]
    assert stale_versions(history, folders, keep=10) == ["orphan"]
    assert stale_versions([], [".build-a"], keep=1) == []


def test_the_number_of_versions_kept_is_a_setting(tmp_path: Path) -> None:
    settings = _settings(tmp_path, CITYGVC_KEEP_VERSIONS="2")
    ids = [str(n) * 16 for n in range(4)]
    for n, publish_id in enumerate(ids):
        _publish(settings, _warehouse(tmp_path, n, rows=10), publish_id * 4)
    assert sorted(p.name for p in (settings.serve_dir / "versions").iterdir()) == ids[-2:]
    assert json.loads((settings.serve_dir / "history.json").read_text()) == ids[-2:]
    assert rollback(settings) == ids[-2]


def test_read_only_versions_are_pruned_rolled_back_and_republished(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    ids = [str(n) * 16 for n in range(KEEP_VERSIONS + 2)]
    for n, publish_id in enumerate(ids):
        _publish(settings, _warehouse(tmp_path, n, rows=100), publish_id * 4)
    versions = settings.serve_dir / "versions"
    assert sorted(p.name for p in versions.iterdir()) == ids[-KEEP_VERSIONS:]

    assert rollback(settings) == ids[-2]
    assert json.loads((settings.serve_dir / "history.json").read_text()) == ids[-KEEP_VERSIONS:-1]
    # the same marts again: their version folder, read-only files and all, is built anew
    _publish(settings, _warehouse(tmp_path, len(ids), rows=100), ids[-1] * 4)

    assert json.loads((settings.serve_dir / "manifest.json").read_text())["publish_id"] == ids[-1]
    assert sorted(p.name for p in versions.iterdir()) == ids[-KEEP_VERSIONS:]
    _assert_served_modes(settings.serve_dir)


def test_a_failed_served_file_fails_after_the_block_and_names_the_cause(tmp_path: Path) -> None:
    parquet = tmp_path / "parquet"
    parquet.mkdir()
    failure = pytest.raises(RuntimeError, match=r"served DuckDB file failed:(.|\n)*fct_missing")
    with failure, served_db_written(tmp_path / "served.duckdb", parquet, ["fct_missing"], {}):
        pass


def test_a_failure_while_the_served_file_is_written_stops_its_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[subprocess.Popen] = []

    class RecordedPopen(subprocess.Popen):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            started.append(self)

    monkeypatch.setattr(served_db.subprocess, "Popen", RecordedPopen)
    con = _warehouse(tmp_path, 1, rows=10)
    con.execute(f"copy marts.fct_a to '{tmp_path / 'fct_a.parquet'}' (format parquet)")
    failure = pytest.raises(ValueError, match="the exports failed")
    with failure, served_db_written(tmp_path / "served.duckdb", tmp_path, ["fct_a"], {}):
        raise ValueError("the exports failed")
    (process,) = started
    assert process.poll() is not None  # stopped and reaped, not left running
