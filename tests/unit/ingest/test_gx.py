"""The GX wrapper on the reviewed raw suites, and GX as a blocking release-level check."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from orchestration.ingest import gx as gx_validation
from orchestration.ingest.catalog import open_catalog, validate_catalog
from orchestration.ingest.gx import GxInfrastructureError, suite_columns, validate_dataframe
from orchestration.ingest.load import ingest_release
from orchestration.settings import EXPECTATIONS_DIR, Settings
from orchestration.warehouse.schema import ASIF_OPTIONAL, ASIF_REQUIRED, connect


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path / "data", releases=str(tmp_path / "rel"), dagster_home=tmp_path / "dh"
    )


def canonical(n: int = 300) -> pd.DataFrame:
    """A canonical ASIF frame as the readers produce it (every canonical column present)."""
    rng = np.random.default_rng(5)
    df = pd.DataFrame({c: [None] * n for c in ASIF_REQUIRED + ASIF_OPTIONAL})
    df["source_row"] = range(1, n + 1)
    df["firm_id"] = [f"{i:09d}" for i in range(n)]
    df["location_code"] = ["320583000000"] * n
    df["industry_code"] = ["4014"] * n
    df["registration_type"] = ["230"] * n
    df["gross_output"] = rng.uniform(6000, 90000, n)
    df["value_added"] = df["gross_output"] * 0.2
    df["employment"] = 100.0
    for column in ("export_value", "founding_year", "paid_in_capital"):
        df[column] = np.nan
    return df


def test_good_frame_passes_and_builds_data_docs(settings: Settings) -> None:
    outcome = validate_dataframe(canonical(), "raw_asif", settings, key_columns=["source_row"])
    assert outcome.success
    assert outcome.success_percent == 100.0
    assert outcome.data_docs_path is not None
    assert outcome.data_docs_path.exists()
    assert outcome.data_docs_path.is_relative_to(settings.gx_dir)
    assert len(outcome.results) == len(
        json.loads((EXPECTATIONS_DIR / "raw_asif.json").read_text())["expectations"]
    )


def test_on_failure_renders_data_docs_only_for_a_run_with_a_failed_expectation(
    settings: Settings,
) -> None:
    good = validate_dataframe(canonical(), "raw_asif", settings, docs="on_failure")
    assert good.success and good.data_docs_path is None
    bad = canonical()
    bad.loc[:40, "value_added"] = bad.loc[:40, "gross_output"] * 2  # a warning fails
    warned = validate_dataframe(bad, "raw_asif", settings, docs="on_failure")
    assert warned.warnings and warned.data_docs_path is not None
    assert warned.data_docs_path.exists()
    # Both runs' results are stored (GX's validation results store) whether rendered or not.
    stored = list((settings.gx_dir).rglob("validations/raw_asif/**/*.json"))
    assert len(stored) == 2


def test_critical_failure_reports_counts_and_sample_keys(settings: Settings) -> None:
    df = canonical()
    df.loc[[10, 20, 30, 40], "industry_code"] = "40x1"  # 4 of 300 = 1.3% > 1%
    outcome = validate_dataframe(df, "raw_asif", settings, key_columns=["source_row"])
    assert not outcome.success
    (failed,) = outcome.critical_failures
    assert (failed.expectation_type, failed.column) == (
        "expect_column_values_to_match_regex",
        "industry_code",
    )
    assert failed.unexpected_count == 4
    assert [k["source_row"] for k in failed.sample_keys] == [11, 21, 31, 41]
    assert "40x1" in failed.partial_unexpected


def test_warning_does_not_block(settings: Settings) -> None:
    df = canonical()
    df.loc[:40, "value_added"] = df.loc[:40, "gross_output"] * 2  # VA above output: 14%
    outcome = validate_dataframe(df, "raw_asif", settings)
    assert outcome.success
    assert [w.expectation_type for w in outcome.warnings] == [
        "expect_column_pair_values_a_to_be_greater_than_b"
    ]
    assert outcome.success_percent < 100


def test_unevaluable_expectation_is_an_infrastructure_error(settings: Settings) -> None:
    with pytest.raises(GxInfrastructureError, match="registration_type"):
        validate_dataframe(canonical().drop(columns=["registration_type"]), "raw_asif", settings)


def test_critical_gx_failure_quarantines_the_release(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A suite stricter than the Python checks proves that a critical GX result blocks.
    suites = tmp_path / "suites"
    suites.mkdir()
    shutil.copy(EXPECTATIONS_DIR / "raw_fdi_city.json", suites)
    spec = json.loads((EXPECTATIONS_DIR / "raw_asif.json").read_text())
    spec["expectations"].append(
        {
            "type": "expect_column_values_to_be_between",
            "kwargs": {"column": "employment", "max_value": 50},
            "meta": {"severity": "critical", "description": "test: small firms only"},
        }
    )
    (suites / "raw_asif.json").write_text(json.dumps(spec))
    monkeypatch.setattr(gx_validation, "EXPECTATIONS_DIR", suites)

    root = Path(settings.releases)
    (root / "asif").mkdir(parents=True)
    df = canonical(200).drop(columns=["source_row"])
    df.loc[150, "employment"] = 51.0
    df.loc[:, "employment"] = df["employment"].where(df.index == 150, 10.0)
    pq.write_table(pa.Table.from_pandas(df, preserve_index=False), root / "asif" / "a.parquet")
    data = (root / "asif" / "a.parquet").read_bytes()
    doc = {
        "catalog_version": 1,
        "releases": [
            {
                "release_id": "asif-2007-r1",
                "dataset": "asif",
                "period": 2007,
                "revision": 1,
                "files": [
                    {
                        "path": "asif/a.parquet",
                        "format": "parquet",
                        "sha256": hashlib.sha256(data).hexdigest(),
                        "bytes": len(data),
                    }
                ],
            }
        ],
    }
    (release,), _ = validate_catalog(doc)

    with connect(settings.warehouse_path) as con:
        outcome = ingest_release(con, settings, open_catalog(str(root)), release)
        rows = con.execute("select count(*) from raw.asif").fetchone()[0]

    assert (outcome.status, outcome.reason) == ("quarantined", "expectation_failed")
    assert outcome.failures[0].row == 151
    assert "employment" in outcome.message
    assert rows == 0
    assert outcome.gx and outcome.gx[0]["data_docs"]
    assert {"land", "read", "checks", "gx", "write"} == set(outcome.phase_seconds)
    assert outcome.phase_seconds["gx"] > 0


def test_suite_columns_are_the_columns_its_expectations_read(tmp_path: Path) -> None:
    def suite(name: str, expectations: list[dict]) -> None:
        for item in expectations:
            item["meta"] = {"severity": "critical"}
        (tmp_path / f"{name}.json").write_text(
            json.dumps({"name": name, "expectations": expectations})
        )

    suite(
        "narrow",
        [
            {"type": "expect_table_row_count_to_be_between", "kwargs": {"min_value": 1}},
            {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "b"}},
            {
                "type": "expect_column_pair_values_a_to_be_greater_than_b",
                "kwargs": {"column_A": "c", "column_B": "a"},
            },
        ],
    )
    assert suite_columns("narrow", tmp_path) == ["a", "b", "c"]
    # An expectation on the whole column set needs every column: no narrowing.
    suite(
        "whole",
        [{"type": "expect_table_columns_to_match_set", "kwargs": {"column_set": ["a"]}}],
    )
    assert suite_columns("whole", tmp_path) is None
