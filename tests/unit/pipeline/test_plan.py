"""What a refresh decides to do: new releases, retries, and when to republish."""

from __future__ import annotations

from pathlib import Path

from orchestration.ingest.catalog import Release, ReleaseFile
from orchestration.pipeline.plan import RecordedRelease, publish_fingerprint, releases_to_ingest
from orchestration.settings import Settings


def _release(rid: str, period: int, revision: int = 1, dataset: str = "asif") -> Release:
    f = ReleaseFile(path=f"{rid}.csv", format="csv", sha256="0" * 64, bytes=10)
    return Release(rid, dataset, period, revision, "2020-01-01", False, (f,))


def _recorded(release: Release, status: str, code_fp: str = "code-1") -> RecordedRelease:
    return RecordedRelease(
        release.release_id, release.dataset, release.content_sha256, status, code_fp
    )


def test_only_unrecorded_releases_are_ingested_in_revision_order() -> None:
    r2 = _release("asif-2005-r2", 2005, 2)
    r1 = _release("asif-2005-r1", 2005, 1)
    old = _release("asif-2004-r1", 2004)
    todo = releases_to_ingest([r2, r1, old], {old.release_id: _recorded(old, "loaded")}, "code-1")
    assert [r.release_id for r in todo] == ["asif-2005-r1", "asif-2005-r2"]


def test_quarantined_release_is_retried_on_code_change_or_request_only() -> None:
    bad = _release("asif-2006-r1", 2006)
    recorded = {bad.release_id: _recorded(bad, "quarantined", code_fp="code-1")}
    assert releases_to_ingest([bad], recorded, "code-1") == []
    assert releases_to_ingest([bad], recorded, "code-2") == [bad]
    assert releases_to_ingest([bad], recorded, "code-1", retry="quarantined") == [bad]
    assert releases_to_ingest([bad], recorded, "code-1", retry=bad.release_id) == [bad]
    assert releases_to_ingest([bad], recorded, "code-1", retry="other") == []


def test_fingerprint_moves_with_releases_code_disclosure_and_engine(tmp_path: Path) -> None:
    on = Settings.from_env({"CITYGVC_DATA_DIR": str(tmp_path)})
    off = Settings.from_env({"CITYGVC_DATA_DIR": str(tmp_path), "CITYGVC_DISCLOSURE": "off"})
    k5 = Settings.from_env({"CITYGVC_DATA_DIR": str(tmp_path), "CITYGVC_SDC_MIN_FIRMS": "5"})
    spark = Settings.from_env({"CITYGVC_DATA_DIR": str(tmp_path), "CITYGVC_ENGINE": "spark"})
    a, b = _release("asif-2005-r1", 2005), _release("asif-2006-r1", 2006)
    one = {a.release_id: _recorded(a, "loaded")}
    two = {**one, b.release_id: _recorded(b, "loaded")}
    quarantined = {**one, b.release_id: _recorded(b, "quarantined")}
    base = publish_fingerprint(one, "code-1", on)
    assert publish_fingerprint(one, "code-1", on) == base
    assert publish_fingerprint(quarantined, "code-1", on) == base  # no new input to the marts
    others = [
        publish_fingerprint(two, "code-1", on),
        publish_fingerprint(one, "code-2", on),
        publish_fingerprint(one, "code-1", off),
        publish_fingerprint(one, "code-1", k5),
        publish_fingerprint(one, "code-1", spark),
    ]
    assert len({base, *others}) == 6
