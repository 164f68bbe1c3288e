"""The marts against the sample generator's ground truth (docs/catalog.md): the
session's demo refresh (demo_run: the demo catalog generated, every release ingested, dbt
built with disclosure on) lends a copy of its warehouse, `dbt build` rebuilds the marts there
with disclosure off, and fct_city_indicators is compared with `_ground_truth.parquet`, which
the generator computes from its clean records in code that shares nothing with the warehouse
but the seeds. The incremental test ingests the catalog itself, with `ingest_release`."""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from orchestration.ingest.catalog import open_catalog, validate_catalog
from orchestration.ingest.load import ingest_release, record_rejections
from orchestration.settings import Settings
from orchestration.warehouse.schema import connect
from tests.helpers import DONGGUAN, KUNSHAN, build_with_complexity, run_dbt

pytestmark = pytest.mark.slow

KEY = ["city_code", "year", "indicator_id", "breakdown", "source"]
MARTS = (
    "fct_city_indicators",
    "fct_city_industry_year",
    "fct_city_industry_indicators",
    "fct_industry_indicators",
    "dim_city",
    "dim_industry",
    "dim_indicator",
    "dim_release",
    "fct_source_reconciliation",
    "fct_data_quality",
)


def load_catalog(catalog: Path, data_dir: Path, only: Callable[[str], bool] = bool) -> None:
    """Ingest the catalog's releases whose id passes `only` (every release by default)."""
    settings = Settings.from_env(
        {"CITYGVC_DATA_DIR": str(data_dir), "CITYGVC_RELEASES": str(catalog)}
    )
    settings.prepare()
    source = open_catalog(str(catalog))
    releases, rejections = validate_catalog(source.read_catalog())
    with connect(settings.warehouse_path) as con:
        record_rejections(con, rejections)
        for release in releases:
            if not only(release.release_id):
                continue
            outcome = ingest_release(con, settings, source, release, run_gx=False)
            assert outcome.status == "loaded", (release.release_id, outcome.reason)


def mart_digests(warehouse: Path) -> dict[str, str]:
    """sha256 of every mart's rows in stored order (the marts are written in key order)."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {
            mart: hashlib.sha256(
                con.sql(f"select * from marts.{mart}").df().to_csv(index=False).encode()
            ).hexdigest()
            for mart in MARTS
        }


def built_from(warehouse: Path, model: str = "int_asif_industry_cells") -> dict[int, str]:
    """Per year, what an incremental aggregate (by default the cells) was last built from."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return dict(
            con.execute(
                f"select year, min(built_from) from intermediate.{model} group by year"
            ).fetchall()
        )


def pattern_built_from(warehouse: Path) -> dict[tuple[int, str], str]:
    """Per year and magnitude, what the greedy disclosure pattern was last built from."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            "select year, magnitude, min(built_from)"
            " from intermediate.int_asif_industry_cells_disclosure group by year, magnitude"
        ).fetchall()
    return {(year, magnitude): key for year, magnitude, key in rows}


# Every published indicator in the truth's layout: group-level values carry the group code as
# breakdown, and year × group values an empty city code.
PUBLISHED_AS_TRUTH = """
select city_code, year, indicator_id, breakdown, source, value, unit, obs_flags
from marts.fct_city_indicators
union all
select city_code, year, indicator_id, industry_code, 'asif', value, unit, obs_flags
from marts.fct_city_industry_indicators
union all
select '', year, indicator_id, industry_code, 'asif', value, unit, obs_flags
from marts.fct_industry_indicators
"""


@pytest.fixture(scope="module")
def compared(demo) -> pd.DataFrame:
    catalog, data_dir = demo
    truth = pd.read_parquet(catalog / "_ground_truth.parquet")
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        ours = con.sql(PUBLISHED_AS_TRUTH).df()
    # the truth's year × group rows have no city: '' on both sides, so they match
    truth["city_code"] = truth.city_code.fillna("")
    return truth.merge(ours, on=KEY, how="left", suffixes=("_truth", ""), indicator=True)


def test_every_truth_row_is_published(compared):
    missing = compared[compared["_merge"] != "both"]
    assert missing.empty, missing[KEY].head(20).to_string()
    # not computable in the truth <=> NULL (with flag O) in the marts
    assert (compared.value_truth.isna() == compared.value.isna()).all()
    assert compared[compared.value.isna()].obs_flags.str.contains("O").all()


def _within(rows: pd.DataFrame, share_pp: float, level_rel: float) -> pd.Series:
    diff = (rows.value - rows.value_truth).abs()
    shares = rows.unit.isin(["share", "ratio"])
    counts = rows.unit.eq("count")
    return (
        (shares & (diff <= share_pp))
        | (counts & (diff == 0))
        | (~shares & ~counts & (diff <= level_rel * rows.value_truth.abs()))
    )


def test_values_match_the_truth(compared):
    rows = compared[compared.value_truth.notna()]
    exact = rows[~rows.obs_flags.str.contains("E")]
    ok = _within(exact, 0.005, 0.005)
    assert ok.all(), exact[~ok][[*KEY, "value", "value_truth"]].head(20).to_string()


def test_imputed_value_added_is_close_to_the_truth(compared):
    """Value added is absent from the 2004 and 2008-2013 files; the truth knows every firm's
    real value added. Values flagged E must be within 2 points / 2 % (the imputation's bar):
    a firm first seen after 2007 has only its VAT payable, and one such plant can dominate a
    city's ICT value added (Chongqing's 2009 HMT entrant, Zhengzhou's 2011 giant), so this
    holds only because the yearbooks benchmark those firms (test_benchmarked_value_added_*)."""
    rows = compared[compared.value_truth.notna() & compared.obs_flags.str.contains("E")]
    assert len(rows) > 100
    ok = _within(rows, 0.02, 0.02)
    assert ok.all(), rows[~ok][[*KEY, "value", "value_truth"]].to_string()


def _firm_errors(
    data_dir: Path, truth: Path, model: str, where: str, by: str = "v.va_ratio_source"
) -> dict[str, float]:
    """Weighted absolute percentage error of value added against the truth, per `by`."""
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        return dict(
            con.execute(
                f"select {by}, sum(abs(v.value_added - t.value_added)) / sum(t.value_added)"
                f" from intermediate.{model} as v"
                f" inner join read_parquet('{truth}') as t"
                " on v.firm_id = t.firm_id and v.year = t.year"
                f" where {where} group by all"
            ).fetchall()
        )


def test_imputed_firm_value_added_by_method(demo):
    """Firm by firm against the generator's true value added: a firm's own VAT/VA share
    recovers its value added almost exactly; firms never observed with value added, imputed
    from donor medians combined with their VAT, stay within ~10 % in aggregate, and the
    yearbook benchmarks bring the same firm-years closer."""
    catalog, data_dir = demo
    truth = catalog / "_truth" / "firm_years.parquet"
    final = _firm_errors(
        data_dir, truth, "int_firm_years_value_added", "va_method = 'ratio_imputed'"
    )
    first = _firm_errors(data_dir, truth, "int_firm_years_va_estimates", "is_donor_imputed")
    assert {"panel_vat_share", "yearbook_benchmark", "panel_benchmark_vat_share"} <= set(final)
    assert final["panel_vat_share"] < 0.002
    assert max(first.values()) < 0.10
    benchmarked = (
        "(v.year, v.firm_id) in (select (year, firm_id)"
        " from intermediate.int_firm_years_value_added where va_ratio_source = '{}')"
    )
    for source in ("yearbook_benchmark", "panel_benchmark_vat_share"):
        where = benchmarked.format(source)
        before = _firm_errors(data_dir, truth, "int_firm_years_va_estimates", where, "'all'")
        after = _firm_errors(data_dir, truth, "int_firm_years_value_added", where, "'all'")
        assert after["all"] < 0.8 * before["all"], (source, before, after)


def test_benchmarked_value_added_matches_the_truth_by_cell(demo):
    """In a benchmarked cell the yearbook's value added is the true value added of the same
    firms: the cell's final value added must equal the truth, Suzhou's cells (the yearbook
    less Kunshan's) included, and most donor-imputed value added is benchmarked."""
    catalog, data_dir = demo
    truth = catalog / "_truth" / "firm_years.parquet"
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        cells = con.execute(
            "with firm_years as ("
            " select v.year, v.city_code, v.vintage, left(v.industry_code, 2) as division,"
            " v.ownership_group, v.value_added, t.value_added as true_value_added"
            " from intermediate.int_firm_years_value_added as v"
            f" inner join read_parquet('{truth}') as t"
            " on v.firm_id = t.firm_id and v.year = t.year)"
            " select b.city_code, sum(f.value_added) as value_added,"
            " sum(f.true_value_added) as true_value_added"
            " from intermediate.int_value_added_benchmarks as b"
            " inner join firm_years as f"
            " using (year, city_code, vintage, division, ownership_group)"
            " where b.is_benchmarked group by b.year, b.city_code, b.vintage, b.division,"
            " b.ownership_group"
        ).df()
        benchmarked_share = con.execute(
            "select sum(donor_estimated_value_added) filter (where is_benchmarked)"
            " / sum(donor_estimated_value_added) from intermediate.int_value_added_benchmarks"
        ).fetchone()[0]
    assert len(cells) > 1000
    assert (cells.value_added - cells.true_value_added).abs().max() <= 0.01
    assert (cells.city_code == "320500").sum() > 50
    assert benchmarked_share > 0.6


def test_the_seed_story(compared):
    value = compared.set_index(KEY).value

    def share(city: str, year: int, source: str, indicator: str = "ict_share_mfg_output"):
        return value[(city, year, indicator, "total", source)]

    assert share(KUNSHAN, 2000, "asif") < 0.20 < 0.60 < share(KUNSHAN, 2009, "asif")
    assert share(DONGGUAN, 2000, "asif") > 0.40 > 0.30 > share(DONGGUAN, 2009, "asif")
    fdi = "fdi_dependency_ict_va"
    assert (
        share(DONGGUAN, 2010, "fdi_city", fdi)
        > 0.80
        > 0.30
        > share(DONGGUAN, 2020, "fdi_city", fdi)
    )
    assert min(share(KUNSHAN, 2010, "fdi_city", fdi), share(KUNSHAN, 2020, "fdi_city", fdi)) > 0.8


def test_flags_follow_the_catalog(demo):
    _, data_dir = demo
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        status = dict(
            con.execute(
                "select obs_status, count(*) from marts.fct_city_indicators"
                " where source = 'asif' and year = 2012 group by all"
            ).fetchall()
        )
        provisional = con.execute(
            "select bool_and(obs_flags like '%P%') from marts.fct_city_indicators"
            " where source = 'fdi_city' and year = 2020"
        ).fetchone()[0]
        superseded = con.execute(
            "select count(*) from marts.dim_release where status = 'superseded'"
        ).fetchone()[0]
    assert set(status) == {"B"}  # 2012: classification break
    assert provisional  # the 2020 yearbook release is provisional
    assert superseded == 1  # asif 2006 r1 (fdi_city 2015 r1 still supplies other cities)


def test_rebuild_is_byte_identical(demo, tmp_path):
    _, data_dir = demo
    copy = tmp_path / "data"
    copy.mkdir()
    shutil.copyfile(data_dir / "warehouse.duckdb", copy / "warehouse.duckdb")
    run_dbt(copy, "run", "--full-refresh", vars_={"disclosure": "off"})
    assert mart_digests(copy / "warehouse.duckdb") == mart_digests(data_dir / "warehouse.duckdb")


def test_headline_cells_pass_disclosure(demo):
    """docs/marts.md: Kunshan's and Dongguan's city-level manufacturing and ICT totals pass the
    default thresholds in every year (conf_status is computed whatever the disclosure mode)."""
    _, data_dir = demo
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        statuses = con.execute(
            "select city_code, industry_code, year, conf_status from marts.fct_city_industry_year"
            " where source = 'asif' and industry_level = 'division' and ownership = 'total'"
            " and industry_code in ('C', '39') and city_code in (?, ?)",
            [KUNSHAN, DONGGUAN],
        ).fetchall()
    assert len(statuses) == 2 * 2 * 16
    assert {status for *_, status in statuses} == {"F"}


def test_incremental_build_equals_full_rebuild(demo, tmp_path):
    """docs/benchmarks.md: a new year and a revision arrive after a build; the incremental build
    (rebuilding only the years whose inputs changed) gives byte-identical marts to a full
    rebuild of the same warehouse."""
    catalog, _ = demo
    late = {"asif-2013-r1", "asif-2006-r2", "fdi_city-2020-r1"}
    incremental = tmp_path / "incremental"
    load_catalog(catalog, incremental, only=lambda rid: rid not in late)
    build_with_complexity(incremental, vars_={"disclosure": "on"})
    before = built_from(incremental / "warehouse.duckdb")
    patterns_before = pattern_built_from(incremental / "warehouse.duckdb")
    # the aggregates that read no value added: the relations among cells, the EG index
    value_free = ("int_disclosure_groups", "int_group_year_agglomeration")
    value_free_before = {m: built_from(incremental / "warehouse.duckdb", m) for m in value_free}
    load_catalog(catalog, incremental, only=lambda rid: rid in late)
    build_with_complexity(incremental, vars_={"disclosure": "on"})
    after = built_from(incremental / "warehouse.duckdb")
    patterns_after = pattern_built_from(incremental / "warehouse.duckdb")
    value_free_after = {m: built_from(incremental / "warehouse.duckdb", m) for m in value_free}
    # only what the new releases touch is rebuilt: years before the 2006 revision keep the
    # build they had (their releases, and with reported value added, their aggregates)
    untouched = {year: key for year, key in before.items() if year < 2006}
    assert untouched and all(after[year] == key for year, key in untouched.items())
    assert after[2006] != before[2006] and 2013 in after and 2013 not in before
    # the revision (firms added to 2006) reaches the years without reported value added only
    # through the ratios their firms carry from 2006: those years' cells are rebuilt, but of
    # their disclosure patterns only value added's, and neither their relations nor their EG
    # indices (the 2006 revision adds firms: those are rebuilt there)
    reached = [year for year in range(2008, 2013) if after[year] != before[year]]
    assert reached
    for year in reached:
        assert patterns_after[(year, "value_added")] != patterns_before[(year, "value_added")]
        for magnitude in ("gross_output", "employment", "export_value"):
            assert patterns_after[(year, magnitude)] == patterns_before[(year, magnitude)]
        for model in value_free:
            assert value_free_after[model][year] == value_free_before[model][year]
    for model in value_free:
        assert value_free_after[model][2006] != value_free_before[model][2006]
    full = tmp_path / "full"
    full.mkdir()
    shutil.copyfile(incremental / "warehouse.duckdb", full / "warehouse.duckdb")
    build_with_complexity(full, "--full-refresh", vars_={"disclosure": "on"})
    assert mart_digests(incremental / "warehouse.duckdb") == mart_digests(full / "warehouse.duckdb")


def test_dbt_docs_generate_describes_every_mart(demo, tmp_path):
    _, data_dir = demo
    copy = tmp_path / "data"
    copy.mkdir()
    shutil.copyfile(data_dir / "warehouse.duckdb", copy / "warehouse.duckdb")
    run_dbt(copy, "docs", "generate", vars_={"disclosure": "off"})
    catalog = json.loads((copy / "target" / "catalog.json").read_text())
    manifest = json.loads((copy / "target" / "manifest.json").read_text())
    marts = [
        n
        for n in manifest["nodes"].values()
        if n["resource_type"] == "model" and "marts" in n["fqn"]
    ]
    assert {f"model.citygvc.{m}" for m in MARTS} <= set(catalog["nodes"])
    for node in marts:
        assert node["description"], node["name"]
        assert all(c["description"] for c in node["columns"].values()), node["name"]
