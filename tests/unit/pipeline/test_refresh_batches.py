"""The refresh's ingest batches: the new releases as runs of neighbouring partitions, since one
Dagster run ingests one key range and a range cannot skip a partition in between."""

from orchestration.pipeline.refresh import partition_batches


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
