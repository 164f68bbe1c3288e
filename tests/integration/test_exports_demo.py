"""The exports of the shared demo publish (docs/exports.md) equal its marts: every mart's CSV
and .dta, the wide panel and the SDMX-CSV file, with the dbt descriptions as Stata labels."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from orchestration.warehouse.dbt import dbt_project
from orchestration.warehouse.exports.stata_names import label

RTOL = 1e-9


def _mart(serve: Path, table: str) -> pd.DataFrame:
    return duckdb.sql(f"select * from read_parquet('{serve}/parquet/{table}.parquet')").df()


def _same(read: pd.Series, mart: pd.Series, name: str) -> None:
    if pd.api.types.is_datetime64_any_dtype(mart):
        assert pd.to_datetime(read).tolist() == mart.tolist(), name
    elif pd.api.types.is_numeric_dtype(mart) and not pd.api.types.is_bool_dtype(mart):
        np.testing.assert_allclose(
            read.astype(float), mart.astype(float), rtol=RTOL, atol=0, equal_nan=True, err_msg=name
        )
    else:  # NULL and '' both read back as missing (CSV) or '' (Stata)
        want = ["" if pd.isna(v) else str(v) for v in mart]
        have = ["" if pd.isna(v) else str(v) for v in read]
        assert have == want, name


def _column_docs() -> dict[str, dict[str, str]]:
    manifest = json.loads(dbt_project.manifest_path.read_text())
    return {
        node["name"]: {c: v.get("description", "") for c, v in node["columns"].items()}
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and "marts" in node["fqn"]
    }


def test_demo_exports_equal_the_marts_and_carry_labels(demo_run: Path) -> None:
    serve = demo_run / "serve"
    manifest = json.loads((serve / "manifest.json").read_text())
    docs = _column_docs()
    for table, rows in manifest["row_counts"].items():
        mart = _mart(serve, table)
        assert len(mart) == rows
        text = [c for c in mart.columns if mart[c].dtype.kind not in "fiubM"]
        csv = pd.read_csv(
            serve / "exports" / f"{table}.csv", encoding="utf-8-sig", dtype=dict.fromkeys(text, str)
        )
        with pd.io.stata.StataReader(serve / "exports" / f"{table}.dta") as reader:
            dta = reader.read()
            labels = reader.variable_labels()
        assert list(csv.columns) == list(dta.columns) == list(mart.columns)
        for column in mart.columns:
            _same(csv[column], mart[column], f"{table}.csv {column}")
            if mart[column].dtype.kind != "b" and str(mart[column].dtype) != "boolean":
                _same(dta[column], mart[column], f"{table}.dta {column}")
            assert labels[column] == label(docs[table].get(column)), (table, column)


def test_demo_panel_and_sdmx_equal_the_long_table(demo_run: Path) -> None:
    serve = demo_run / "serve"
    long = _mart(serve, "fct_city_indicators")
    with pd.io.stata.StataReader(serve / "exports" / "panel_city_year.dta") as reader:
        panel = reader.read()
        by_full_name = {text: name for name, text in reader.variable_labels().items()}
    panel = panel.set_index(["city_code", "year"])
    for row in long.itertuples():
        stem = by_full_name[f"{row.indicator_id}.{row.breakdown}.{row.source}"]
        cell = panel.loc[(row.city_code, row.year)]
        if pd.isna(row.value):
            assert pd.isna(cell[stem]), (row, stem)
        else:
            assert abs(cell[stem] - row.value) <= RTOL * abs(row.value), (row, stem)
        got = (cell[f"{stem}_s"], cell[f"{stem}_f"], cell[f"{stem}_c"])
        assert got == (row.obs_status, row.obs_flags, row.conf_status), (row, stem)
    assert len(panel) == len(long[["city_code", "year"]].drop_duplicates())

    sdmx = pd.read_csv(serve / "exports" / "fct_city_indicators.sdmx.csv", dtype={"REF_AREA": str})
    assert list(sdmx.columns[:2]) == ["DATAFLOW", "FREQ"]
    assert sdmx["REF_AREA"].tolist() == long["city_code"].tolist()
    assert sdmx["INDICATOR"].tolist() == long["indicator_id"].tolist()
    assert sdmx["OBS_STATUS"].tolist() == long["obs_status"].tolist()
    np.testing.assert_allclose(sdmx["OBS_VALUE"], long["value"], rtol=RTOL, equal_nan=True)


def test_demo_manifest_lists_every_export(demo_run: Path) -> None:
    serve = demo_run / "serve"
    manifest = json.loads((serve / "manifest.json").read_text())
    listed = {k: v for k, v in manifest["files"].items() if k.startswith("exports/")}
    on_disk = {
        f"exports/{p.name}": hashlib.sha256(p.read_bytes()).hexdigest()
        for p in (serve / "exports").iterdir()
    }
    assert listed == on_disk
    assert len(on_disk) == 2 * len(manifest["row_counts"]) + 3
