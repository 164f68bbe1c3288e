"""Write-audit-publish of the marts to `serve/` (docs/architecture.md, docs/marts.md).

A publish builds a fresh Parquet version directory and a fresh DuckDB file (DuckDB 1.x
storage format, written from those Parquet files by `served_db`, byte for byte reproducibly)
and the researchers' exports (CSV, Stata, the wide panel, SDMX-CSV: `exports/`, from the same
Parquet files, docs/exports.md) beside the served ones, audits them against the warehouse,
and only then swaps them in: `os.replace` of the file and of two symlinks
(`serve/parquet` → `versions/<id>/parquet`, `serve/exports` → `versions/<id>/exports`).
BI readers never see a half-written set and never hold a lock the writer needs.

Served files are readable by everyone (BI tools may run as another user) and writable by no one
(0444): a publish never edits one in place, it swaps in new ones. Folders are 0755, writable by
their owner only, which is what replacing, pruning and rolling back need. The modes are set
explicitly, whatever the process umask.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration.settings import Settings
from orchestration.warehouse.exports.build import write_exports
from orchestration.warehouse.served_db import STORAGE_VERSION, served_db_written, sql_str

SERVED_DB = "citygvc.duckdb"
EXPORTS = "exports"  # docs/exports.md
SERVED_FILE_MODE = 0o444
SERVED_DIR_MODE = 0o755


@dataclass(frozen=True)
class PublishResult:
    publish_id: str
    fingerprint: str
    row_counts: dict[str, int]
    manifest: dict


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def mart_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The marts: dbt's tables on DuckDB, views over Spark's files on Spark
    (warehouse/spark_tables.py)."""
    rows = con.execute(
        "select table_name from information_schema.tables "
        "where table_schema = 'marts' order by table_name"
    ).fetchall()
    return [r[0] for r in rows]


def _history(settings: Settings) -> list[str]:
    path = settings.serve_dir / "history.json"
    return json.loads(path.read_text()) if path.exists() else []


def _write_json(path: Path, doc: object) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.unlink(missing_ok=True)  # a killed publish's leftover is read-only
    tmp.write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n")
    tmp.chmod(SERVED_FILE_MODE)
    os.replace(tmp, path)


def _served_dir(path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(SERVED_DIR_MODE)


def _seal(folder: Path) -> None:
    """Give `folder` and everything in it the served modes."""
    folder.chmod(SERVED_DIR_MODE)
    for path in folder.rglob("*"):
        if not path.is_symlink():
            path.chmod(SERVED_DIR_MODE if path.is_dir() else SERVED_FILE_MODE)


def build_version(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    fingerprint: str,
    releases: list[dict],
    docs: dict[str, dict],
) -> tuple[Path, dict]:
    """Build and audit `serve/versions/<id>/` from the warehouse's marts; returns its folder
    and manifest. Nothing served changes here."""
    publish_id = fingerprint[:16]
    versions = settings.serve_dir / "versions"
    final = versions / publish_id
    work = versions / f".build-{publish_id}"
    _served_dir(settings.serve_dir)
    _served_dir(versions)
    shutil.rmtree(work, ignore_errors=True)
    (work / "parquet").mkdir(parents=True)
    db_path = work / SERVED_DB
    parquet_dir = work / "parquet"
    tables = mart_tables(con)
    # One thread: DuckDB writes row groups in a thread-dependent order otherwise, which would
    # change the Parquet bytes from run to run.
    threads = con.execute("select current_setting('threads')").fetchone()[0]
    con.execute("set threads = 1")
    try:
        row_counts = {}
        for table in tables:
            con.execute(
                f"copy (select * from marts.{table} order by all) to "
                f"{sql_str(str(parquet_dir / f'{table}.parquet'))} "
                "(format parquet, compression zstd)"
            )
            row_counts[table] = con.execute(f"select count(*) from marts.{table}").fetchone()[0]
    finally:
        con.execute(f"set threads = {int(threads)}")
    exports_dir = work / EXPORTS
    with served_db_written(db_path, parquet_dir, tables, docs):
        exported = write_exports(parquet_dir, exports_dir, tables, docs)
    _audit(con, db_path, parquet_dir, row_counts)
    if exported != row_counts:
        raise RuntimeError(f"publish audit failed: exports hold {exported}, marts {row_counts}")
    manifest = {
        "publish_id": publish_id,
        "fingerprint": fingerprint,
        "releases": releases,
        "row_counts": row_counts,
        "files": {
            SERVED_DB: _sha256(db_path),
            **{f"parquet/{p.name}": _sha256(p) for p in sorted(parquet_dir.glob("*.parquet"))},
            **{f"{EXPORTS}/{p.name}": _sha256(p) for p in sorted(exports_dir.iterdir())},
        },
        "duckdb_storage_version": STORAGE_VERSION,
    }
    _write_json(work / "manifest.json", manifest)
    _seal(work)
    shutil.rmtree(final, ignore_errors=True)
    os.replace(work, final)
    return final, manifest


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, str]]:
    return con.execute(
        "select column_name, data_type from duckdb_columns()"
        " where database_name = current_database() and schema_name = 'marts'"
        " and table_name = ? order by column_index",
        [table],
    ).fetchall()


def _audit(
    con: duckdb.DuckDBPyConnection, db_path: Path, parquet_dir: Path, row_counts: dict[str, int]
) -> None:
    """The served file and the Parquet files hold every mart row, and the served tables keep
    the marts' column names and types (they are written from the Parquet files)."""
    with duckdb.connect(str(db_path), read_only=True) as pub:
        for table, expected in row_counts.items():
            if _columns(pub, table) != _columns(con, table):
                raise RuntimeError(
                    f"publish audit failed for {table}: served columns "
                    f"{_columns(pub, table)} differ from the mart's {_columns(con, table)}"
                )
            served = pub.execute(f"select count(*) from marts.{table}").fetchone()[0]
            parquet_file = sql_str(str(parquet_dir / f"{table}.parquet"))
            parquet = pub.execute(f"select count(*) from read_parquet({parquet_file})").fetchone()[
                0
            ]
            if served != expected or parquet != expected:
                raise RuntimeError(
                    f"publish audit failed for {table}: warehouse {expected}, "
                    f"served {served}, parquet {parquet}"
                )


def swap_in(settings: Settings, version_dir: Path, manifest: dict) -> None:
    """Make `version_dir` the served set: file rename + one pointer swap + manifest."""
    serve = settings.serve_dir
    target = serve / SERVED_DB
    staged = serve / f".{SERVED_DB}.incoming"
    staged.unlink(missing_ok=True)  # a killed publish's leftover is read-only
    shutil.copyfile(version_dir / SERVED_DB, staged)
    staged.chmod(SERVED_FILE_MODE)
    # A stale write-ahead log beside the target would make every later open fail.
    for wal in (serve / f"{SERVED_DB}.wal", serve / f".{SERVED_DB}.incoming.wal"):
        wal.unlink(missing_ok=True)
    os.replace(staged, target)
    _point(serve, "parquet", version_dir)
    _point(serve, EXPORTS, version_dir)
    _write_json(serve / "manifest.json", manifest)
    history = [h for h in _history(settings) if h != version_dir.name] + [version_dir.name]
    _write_json(serve / "history.json", history)
    _prune(settings, history)


def _point(serve: Path, name: str, version_dir: Path) -> None:
    """Swap the link `serve/<name>` to the version's folder of that name in one rename (a
    version published before that folder existed has none: the link is removed)."""
    link_tmp = serve / f".{name}.incoming"
    link_tmp.unlink(missing_ok=True)
    if not (version_dir / name).is_dir():
        (serve / name).unlink(missing_ok=True)
        return
    link_tmp.symlink_to(Path("versions") / version_dir.name / name)
    os.replace(link_tmp, serve / name)


def stale_versions(history: list[str], folders: list[str], keep: int) -> list[str]:
    """The version folders to delete: all but the last `keep` publishes of `history` (oldest
    first). Hidden folders are builds in progress (`.build-<id>`), never stale."""
    kept = set(history[-keep:])
    return sorted(f for f in folders if not f.startswith(".") and f not in kept)


def _prune(settings: Settings, history: list[str]) -> None:
    versions = settings.serve_dir / "versions"
    folders = [f.name for f in versions.iterdir() if f.is_dir()]
    for name in stale_versions(history, folders, settings.keep_versions):
        shutil.rmtree(versions / name)
    kept = history[-settings.keep_versions :]
    _write_json(settings.serve_dir / "history.json", kept)


def rollback(settings: Settings) -> str:
    """Serve the publish before the current one again; returns its id."""
    history = _history(settings)
    if len(history) < 2:
        raise RuntimeError("no earlier publish to roll back to")
    previous = settings.serve_dir / "versions" / history[-2]
    manifest = json.loads((previous / "manifest.json").read_text())
    swap_in(settings, previous, manifest)
    _write_json(settings.serve_dir / "history.json", history[:-1])
    return previous.name
