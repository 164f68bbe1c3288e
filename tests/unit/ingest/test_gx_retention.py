"""Retention of GX validation results and Data Docs pages: the newest
CITYGVC_KEEP_GX_RESULTS runs of each suite stay, older ones are deleted after each
validation."""

from __future__ import annotations

from pathlib import Path, PurePath

from orchestration.ingest.gx import prune_results, stale_runs, validate_dataframe
from orchestration.settings import Settings
from tests.unit.ingest.test_gx import canonical

VALIDATIONS = Path("gx/uncommitted/validations")
DOCS = Path("gx/uncommitted/data_docs/local_site/validations")


def _runs(suite: str, *times: str) -> list[PurePath]:
    return [PurePath(suite, "__none__", t) for t in times]


def test_stale_runs_are_all_but_the_newest_of_each_suite() -> None:
    a = _runs("raw_asif", "20270101T020000.000001Z", "20270103T020000.000001Z")
    a += _runs("raw_asif", "20270102T020000.000001Z", "20261231T235959.999999Z")
    b = _runs("raw_fdi_city", "20200101T000000.000000Z")
    assert stale_runs([*a, *b], keep=2) == [a[3], a[0]]
    assert stale_runs([*a, *b], keep=1) == [a[3], a[0], a[2]]
    assert stale_runs([*a, *b], keep=4) == []
    # a named run (GX's run name folder) is ordered by its time like the others
    named = PurePath("raw_asif", "nightly", "20270104T000000.000000Z")
    assert stale_runs([*a, named], keep=1) == sorted(a)


def _store(gx_dir: Path, store: Path, suite: str, time: str, suffix: str) -> Path:
    folder = gx_dir / store / suite / "__none__" / time
    folder.mkdir(parents=True)
    (folder / f"citygvc-{suite}{suffix}").write_text("{}")
    return folder


def test_prune_deletes_old_results_and_pages_of_one_suite_only(tmp_path: Path) -> None:
    times = [f"2027010{d}T020000.000000Z" for d in range(1, 5)]
    results = [_store(tmp_path, VALIDATIONS, "raw_asif", t, ".json") for t in times]
    pages = [_store(tmp_path, DOCS, "raw_asif", t, ".html") for t in times[1:]]
    other = [_store(tmp_path, VALIDATIONS, "raw_fdi_city", t, ".json") for t in times]
    (tmp_path / VALIDATIONS / ".ge_store_backend_id").write_text("store id")

    deleted = prune_results(tmp_path, "raw_asif", keep=2)

    assert sorted(deleted) == sorted([*results[:2], pages[0]])
    assert [p.exists() for p in results] == [False, False, True, True]
    assert [p.exists() for p in pages] == [False, True, True]
    assert all(p.exists() for p in other)
    assert (tmp_path / VALIDATIONS / ".ge_store_backend_id").exists()


def test_each_validation_prunes_its_suite(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path / "data",
        releases=str(tmp_path / "rel"),
        dagster_home=tmp_path / "dh",
        keep_gx_results=2,
    )
    paths = [validate_dataframe(canonical(), "raw_asif", settings).data_docs_path for _ in range(3)]

    stored = sorted((settings.gx_dir / VALIDATIONS / "raw_asif").glob("*/*/*.json"))
    assert len(stored) == 2
    assert [p is not None and p.exists() for p in paths] == [False, True, True]
    assert len(list((settings.gx_dir / DOCS / "raw_asif").glob("*/*/*.html"))) == 2
