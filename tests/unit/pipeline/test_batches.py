"""The ingest batches the refresh and the sensor share: the new releases as runs of
neighbouring partitions, since one Dagster run ingests one key range and a range cannot skip a
partition in between."""

from __future__ import annotations

from orchestration.ingest.catalog import Release, ReleaseFile
from orchestration.pipeline.batches import (
    RANGE_END,
    RANGE_START,
    ingest_batches,
    partition_batches,
)


def _release(rid: str, dataset: str = "asif", sha: str = "0") -> Release:
    f = ReleaseFile(path=f"{rid}.csv", format="csv", sha256=sha * 64, bytes=10)
    return Release(rid, dataset, 2006, 1, "2020-01-01", False, (f,))


def test_new_partitions_at_the_end_are_one_batch() -> None:
    partitions = ["asif-2005-r1", "asif-2006-r1", "asif-2007-r1", "asif-2006-r2"]
    assert partition_batches(partitions, ["asif-2007-r1", "asif-2006-r2"]) == [
        ["asif-2007-r1", "asif-2006-r2"]
    ]


def test_a_loaded_partition_in_between_splits_the_batch() -> None:
    # asif-2006-r1 is loaded; 2005 (a retried quarantine) and 2007 are to ingest.
    partitions = ["asif-2005-r1", "asif-2006-r1", "asif-2007-r1"]
    assert partition_batches(partitions, ["asif-2007-r1", "asif-2005-r1"]) == [
        ["asif-2005-r1"],
        ["asif-2007-r1"],
    ]


def test_nothing_to_ingest_is_no_batch() -> None:
    assert partition_batches(["asif-2005-r1"], []) == []


def test_releases_not_yet_partitions_are_appended_in_their_order() -> None:
    # The sensor plans before its partitions are added: 2008 and 2006-r2 go after the known
    # ones, in the catalog's order, as one range per dataset.
    todo = [_release("asif-2008-r1"), _release("fdi_city-2015-r2", "fdi_city")]
    todo.insert(1, _release("asif-2006-r2"))
    known = {"asif": ["asif-2005-r1", "asif-2006-r1"], "fdi_city": ["fdi_city-2015-r1"]}
    batches = ingest_batches(todo, lambda dataset: known[dataset])
    assert [(b.dataset, b.keys) for b in batches] == [
        ("asif", ["asif-2008-r1", "asif-2006-r2"]),
        ("fdi_city", ["fdi_city-2015-r2"]),
    ]
    assert batches[0].range_tags() == {RANGE_START: "asif-2008-r1", RANGE_END: "asif-2006-r2"}


def test_a_retried_quarantine_among_known_partitions_is_its_own_batch() -> None:
    todo = [_release("asif-2005-r1"), _release("asif-2007-r1")]
    known = ["asif-2005-r1", "asif-2006-r1"]  # 2005 quarantined earlier, 2006 loaded
    batches = ingest_batches(todo, lambda dataset: known)
    assert [b.keys for b in batches] == [["asif-2005-r1"], ["asif-2007-r1"]]


def test_the_run_key_changes_with_content_and_code_only() -> None:
    (batch,) = ingest_batches([_release("asif-2008-r1")], lambda dataset: [])
    (same,) = ingest_batches([_release("asif-2008-r1")], lambda dataset: [])
    (changed,) = ingest_batches([_release("asif-2008-r1", sha="1")], lambda dataset: [])
    assert batch.run_key("c" * 64) == same.run_key("c" * 64)
    assert batch.run_key("c" * 64) != changed.run_key("c" * 64)
    assert batch.run_key("c" * 64) != batch.run_key("d" * 64)
    assert batch.run_key("c" * 64).startswith("ingest:asif-2008-r1..asif-2008-r1:")
