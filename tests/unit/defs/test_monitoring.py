"""Dagster metadata of orchestration.defs.publish.metadata, on a small marts schema built by
hand with the contract's columns and values chosen here."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest
from dagster import (
    AssetCheckEvaluation,
    AssetCheckKey,
    AssetCheckSeverity,
    AssetKey,
    DagsterInstance,
    Definitions,
    MaterializeResult,
    asset,
    materialize,
)

from orchestration.defs.publish.freshness import (
    FreshnessRule,
    evaluate_freshness,
    freshness_checks,
    freshness_schedule,
)
from orchestration.defs.publish.metadata import (
    HEADLINE_PNG,
    MONITORING_DIR,
    complexity_table,
    data_quality_metadata,
    headline_metadata,
    headline_table,
    releases_since_last_publish,
)
from orchestration.defs.resources import CitygvcSettings
from orchestration.ingest.catalog import validate_catalog
from orchestration.settings import Settings

KUNSHAN, DONGGUAN = "320583", "441900"
ASIF_BREAKS = {2003, 2004, 2007, 2011, 2012}
FDI_BREAKS = {2011, 2012, 2018}


def _linear(anchors: dict[int, float], year: int) -> float:
    """Straight lines between hand anchor values (flat outside them)."""
    years = sorted(anchors)
    if year <= years[0]:
        return anchors[years[0]]
    if year >= years[-1]:
        return anchors[years[-1]]
    lo = max(y for y in years if y <= year)
    hi = min(y for y in years if y >= year)
    if lo == hi:
        return anchors[lo]
    return anchors[lo] + (anchors[hi] - anchors[lo]) * (year - lo) / (hi - lo)


# Hand values, shaped like the seed's story: every finding holds.
ICT_SHARE = {
    KUNSHAN: {1998: 0.12, 2000: 0.15, 2009: 0.65, 2013: 0.62},
    DONGGUAN: {1998: 0.45, 2000: 0.42, 2009: 0.28, 2013: 0.25},
}
FDI_ASIF = {KUNSHAN: {2000: 0.90, 2013: 0.88}, DONGGUAN: {2000: 0.88, 2013: 0.60}}
FDI_CITY = {KUNSHAN: {2010: 0.86, 2020: 0.84}, DONGGUAN: {2010: 0.83, 2020: 0.26}}
SEGMENTS = {
    # Kunshan specialises in computers; Dongguan's mix moves towards telecom equipment.
    KUNSHAN: {"computers": 0.6, "parts_peripherals": 0.25, "components_devices": 0.15},
    DONGGUAN: {"computers": 0.2, "telecom_equipment": 0.5, "components_devices": 0.3},
}
# Economic complexity: ECI crosses over (Kunshan above Dongguan in 1998-2005, 8 of 16 years);
# the ICT groups' relatedness density is BASE + an offset per group, the offsets summing to 0,
# so the mean over the eight ICT groups is BASE (Kunshan above Dongguan in 1998-2002).
ECI = {KUNSHAN: {1998: 0.5, 2013: -0.4}, DONGGUAN: {1998: -1.0, 2013: 1.1}}
DENSITY_BASE = {KUNSHAN: {1998: 0.40, 2013: 0.20}, DONGGUAN: {1998: 0.30, 2013: 0.45}}
ICT_GROUP_OFFSETS = {
    "391": -0.07,
    "392": -0.05,
    "393": -0.03,
    "394": -0.01,
    "395": 0.01,
    "396": 0.03,
    "397": 0.05,
    "399": 0.07,
}
# Groups outside division 39 (not ICT), with a density far from the ICT ones.
OTHER_GROUPS = {"381": 0.9, "401": 0.8}


def indicator_rows() -> list[tuple]:
    rows = []

    def add(city, year, indicator, breakdown, source, value, flags="A", conf="F"):
        rows.append(
            (
                city,
                year,
                indicator,
                breakdown,
                source,
                value,
                "share",
                flags[0],
                flags,
                conf,
                f"{source}-{year}-r1",
            )
        )

    for city in (KUNSHAN, DONGGUAN):
        for year in range(1998, 2014):
            flags = "B" if year in ASIF_BREAKS else "A"
            add(
                city,
                year,
                "ict_share_mfg_output",
                "total",
                "asif",
                _linear(ICT_SHARE[city], year),
                flags,
            )
            for segment, share in SEGMENTS[city].items():
                add(city, year, "ict_segment_share", segment, "asif", share, flags)
            if year >= 2000:
                # value added is imputed in 2008-2010 (E), as when the files lack it
                va_flags = (
                    ",".join(
                        code
                        for code, applies in (
                            ("B", year in ASIF_BREAKS),
                            ("E", 2008 <= year <= 2010),
                        )
                        if applies
                    )
                    or "A"
                )
                add(
                    city,
                    year,
                    "fdi_dependency_ict_va",
                    "total",
                    "asif",
                    _linear(FDI_ASIF[city], year),
                    va_flags,
                )
        for year in range(2010, 2021):
            add(
                city,
                year,
                "fdi_dependency_ict_va",
                "total",
                "fdi_city",
                _linear(FDI_CITY[city], year),
                "B" if year in FDI_BREAKS else "A",
            )
    for city in (KUNSHAN, DONGGUAN):
        for year in range(1998, 2014):
            flags = "B" if year in ASIF_BREAKS else "A"
            add(city, year, "eci", "total", "asif", _linear(ECI[city], year), flags)
    # another city, which the headline ignores
    add("320500", 2009, "ict_share_mfg_output", "total", "asif", 0.5)
    add("320500", 2013, "eci", "total", "asif", 3.0)
    return rows


def group_rows() -> list[tuple]:
    """marts.fct_city_industry_indicators: relatedness density of every ICT group and two
    other groups, and an rca row per group (which the ICT mean of density ignores)."""
    rows = []
    for city in (KUNSHAN, DONGGUAN, "320500"):
        for year in range(1998, 2014):
            flags = "B" if year in ASIF_BREAKS else "A"
            base = _linear(DENSITY_BASE.get(city, {1998: 0.6}), year)
            values = {
                **{g: base + off for g, off in ICT_GROUP_OFFSETS.items()},
                **OTHER_GROUPS,
            }
            for group, value in values.items():
                for indicator, unit, number in (
                    ("relatedness_density", "share", value),
                    ("rca", "ratio", 5.0),
                ):
                    rows.append(
                        (
                            city,
                            year,
                            "group",
                            group,
                            indicator,
                            number,
                            unit,
                            flags[0],
                            flags,
                            "F",
                            f"asif-{year}-r1",
                        )
                    )
    return rows


def build_marts(
    path: Path, rows: list[tuple] | None = None, groups: list[tuple] | None = None
) -> Path:
    """A DuckDB file with marts.fct_city_indicators (`rows`), fct_city_industry_indicators
    (`groups`), dim_industry, dim_indicator and fct_data_quality."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts")
        con.execute(
            """
            create table marts.fct_city_indicators (
                city_code varchar, year integer, indicator_id varchar, breakdown varchar,
                source varchar, value double, unit varchar, obs_status varchar,
                obs_flags varchar, conf_status varchar, release_ids varchar)
            """
        )
        con.executemany(
            "insert into marts.fct_city_indicators values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows if rows is not None else indicator_rows(),
        )
        con.execute(
            """
            create table marts.fct_city_industry_indicators (
                city_code varchar, year integer, industry_level varchar,
                industry_code varchar, indicator_id varchar, value double, unit varchar,
                obs_status varchar, obs_flags varchar, conf_status varchar,
                release_ids varchar)
            """
        )
        con.executemany(
            "insert into marts.fct_city_industry_indicators "
            "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            groups if groups is not None else group_rows(),
        )
        con.execute(
            """
            create table marts.dim_industry (
                industry_level varchar, industry_code varchar, name_zh varchar,
                name_en varchar, is_ict boolean, segment varchar, concordance_1994 varchar)
            """
        )
        con.executemany(
            "insert into marts.dim_industry values (?, ?, ?, ?, ?, ?, ?)",
            [
                ("division", "39", "计算机、通信和其他电子设备制造业", "ICT", True, None, None),
                *(("group", g, g, f"group {g}", True, None, "high") for g in ICT_GROUP_OFFSETS),
                *(("group", g, g, f"group {g}", False, None, "high") for g in OTHER_GROUPS),
            ],
        )
        con.execute(
            """
            create table marts.dim_indicator as select * from (values
                ('ict_share_mfg_output', 'ICT share of manufacturing gross output',
                 'ict_output / mfg_output', 'share', 'ICT gross output', 'mfg output',
                 'breaks in 2003'),
                ('ict_segment_share', 'ICT segment share', 'segment / ICT output', 'share',
                 'segment output', 'ICT output', 'split codes weighted'),
                ('fdi_dependency_ict_va', 'FDI dependency of ICT value added',
                 'FIE ICT VA / ICT VA', 'share', 'FIE ICT VA', 'ICT VA', 'E when imputed'),
                ('eci', 'Economic complexity index (ECI)', 'eigenvector method', 'index',
                 null, null, 'standardised each year'),
                ('relatedness_density', 'Relatedness density of a group',
                 'sum_h M_ch phi_gh / sum_h phi_gh', 'share', null, null, 'zero diagonal')
            ) as t(indicator_id, title, formula, unit, numerator, denominator, caveats)
            """
        )
        con.execute(
            """
            create table marts.fct_data_quality (
                release_id varchar, dataset varchar, year integer, city_code varchar,
                step varchar, metric varchar, detail varchar, value double,
                conf_status varchar)
            """
        )
        con.executemany(
            "insert into marts.fct_data_quality values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                ("asif-2009-r1", "asif", 2009, None, "raw", "rows_read", "", 1000, "F"),
                ("asif-2009-r1", "asif", 2009, None, "staging", "rows_staged", "", 990, "F"),
                ("asif-2009-r1", "asif", 2009, None, "staging", "duplicates_removed", "", 10, "F"),
                ("asif-2009-r1", "asif", 2009, None, "harmonise", "rows_kept", "", 970, "F"),
                (
                    "asif-2009-r1",
                    "asif",
                    2009,
                    None,
                    "harmonise",
                    "rows_dropped",
                    "negative_output",
                    12,
                    "F",
                ),
                (
                    "asif-2009-r1",
                    "asif",
                    2009,
                    None,
                    "harmonise",
                    "rows_dropped",
                    "unmapped_industry_code",
                    8,
                    "F",
                ),
                (
                    "asif-2009-r1",
                    "asif",
                    2009,
                    None,
                    "harmonise",
                    "unmapped_code",
                    "industry_code:9999",
                    8,
                    "F",
                ),
                (
                    "asif-2009-r1",
                    "asif",
                    2009,
                    KUNSHAN,
                    "city_year",
                    "value_added_imputed_share",
                    "",
                    0.125,
                    "F",
                ),
                (
                    "asif-2009-r1",
                    "asif",
                    2009,
                    DONGGUAN,
                    "city_year",
                    "value_added_imputed_share",
                    "",
                    None,
                    "C",
                ),
                ("fdi_city-2015-r1", "fdi_city", 2015, None, "raw", "rows_read", "", 420, "F"),
                (
                    "fdi_city-2015-r1",
                    "fdi_city",
                    2015,
                    None,
                    "staging",
                    "unmapped_label",
                    "ownership:x",
                    2,
                    "F",
                ),
                ("asif-2008-r1", "asif", 2008, None, "raw", "rows_read", "", 777, "F"),
            ],
        )
    return path


@pytest.fixture
def marts(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    path = build_marts(tmp_path / "hand.duckdb")
    con = duckdb.connect(str(path), read_only=True)
    yield con
    con.close()


def _table_rows(markdown: str) -> list[list[str]]:
    return [
        [cell.strip() for cell in line.strip("|").split("|")]
        for line in markdown.splitlines()
        if line.startswith("|") and not line.startswith("|---")
    ][1:]


def test_headline_table_shows_seed_years_and_latest_with_status(marts) -> None:
    rows = _table_rows(headline_table(marts))
    by_key = {(r[0], r[2]): r[3:] for r in rows}
    share = "ICT share of manufacturing output"
    fdi = "FDI share of ICT value added"
    assert [r[2] for r in rows] == ["2000", "2009", "2013 (latest)", "2010", "2020"]
    assert by_key[(share, "2000")] == ["15.0 % (A)", "42.0 % (A)"]
    assert by_key[(share, "2009")] == ["65.0 % (A)", "28.0 % (A)"]
    assert by_key[(share, "2013 (latest)")] == ["62.0 % (A)", "25.0 % (A)"]
    assert by_key[(fdi, "2010")] == ["86.0 % (A)", "83.0 % (A)"]
    assert by_key[(fdi, "2020")] == ["84.0 % (A)", "26.0 % (A)"]


def test_headline_table_says_why_a_value_is_missing(tmp_path: Path) -> None:
    rows = [
        r
        for r in indicator_rows()
        if not (r[0] == DONGGUAN and r[1] == 2000 and r[2] == "ict_share_mfg_output")
    ]
    rows = [
        (*r[:5], None, r[6], r[7], r[8], "C", r[10])
        if (r[0], r[1], r[2], r[4]) == (KUNSHAN, 2020, "fdi_dependency_ict_va", "fdi_city")
        else r
        for r in rows
    ]
    rows.append(
        (
            KUNSHAN,
            2021,
            "fdi_dependency_ict_va",
            "total",
            "fdi_city",
            None,
            "share",
            "O",
            "O",
            "F",
            "x",
        )
    )
    with duckdb.connect(str(build_marts(tmp_path / "m.duckdb", rows)), read_only=True) as con:
        by_year = {r[2]: r[3:] for r in _table_rows(headline_table(con))}
    assert by_year["2000"] == ["15.0 % (A)", "no data"]
    assert by_year["2020"] == ["suppressed (C)", "26.0 % (A)"]
    assert by_year["2021 (latest)"] == ["not computable (O)", "no data"]


def test_complexity_table_shows_eci_and_ict_relatedness_with_status(marts) -> None:
    rows = _table_rows(complexity_table(marts))
    by_key = {(r[0], r[2]): r[3:] for r in rows}
    eci = "ECI (standardised each year)"
    density = "Relatedness density of the ICT groups (mean)"
    assert [(r[0], r[1], r[2]) for r in rows] == [
        (eci, "asif", "2000"),
        (eci, "asif", "2009"),
        (eci, "asif", "2013 (latest)"),
        (density, "asif", "2000"),
        (density, "asif", "2009"),
        (density, "asif", "2013 (latest)"),
    ]
    # ECI: 0.5 - 0.9 t and -1.0 + 2.1 t, t = (year - 1998) / 15
    assert by_key[(eci, "2000")] == ["0.38 (A)", "-0.72 (A)"]
    assert by_key[(eci, "2009")] == ["-0.16 (A)", "0.54 (A)"]
    assert by_key[(eci, "2013 (latest)")] == ["-0.40 (A)", "1.10 (A)"]
    # the mean of the eight ICT groups is the base line: 0.40 - 0.20 t and 0.30 + 0.15 t
    # (the groups 381 and 401 and the rca rows are left out)
    assert by_key[(density, "2000")] == ["0.373 (A)", "0.320 (A)"]
    assert by_key[(density, "2009")] == ["0.253 (A)", "0.410 (A)"]
    assert by_key[(density, "2013 (latest)")] == ["0.200 (A)", "0.450 (A)"]


def test_complexity_table_withholds_a_mean_over_a_suppressed_group(tmp_path: Path) -> None:
    groups = [
        (*r[:5], None, r[6], r[7], r[8], "C", r[10])
        if (r[0], r[1], r[3], r[4]) == (DONGGUAN, 2009, "396", "relatedness_density")
        else r
        for r in group_rows()
    ]
    # a break in one group makes the year's mean a break too
    groups = [
        (*r[:7], "B", "B", *r[9:])
        if (r[0], r[1], r[3], r[4]) == (KUNSHAN, 2000, "391", "relatedness_density")
        else r
        for r in groups
    ]
    path = build_marts(tmp_path / "m.duckdb", groups=groups)
    with duckdb.connect(str(path), read_only=True) as con:
        rows = _table_rows(complexity_table(con))
    by_key = {(r[0], r[2]): r[3:] for r in rows}
    density = "Relatedness density of the ICT groups (mean)"
    assert by_key[(density, "2009")] == ["0.253 (A)", "suppressed (C)"]
    assert by_key[(density, "2000")] == ["0.373 (B)", "0.320 (A)"]


def test_complexity_table_before_the_group_mart_exists(tmp_path: Path) -> None:
    with duckdb.connect(str(tmp_path / "old.duckdb")) as con:
        con.execute("create schema marts")
        assert "not built yet" in complexity_table(con)


def test_headline_metadata_embeds_the_plot_it_writes(marts, tmp_path: Path) -> None:
    settings = Settings.from_env({"CITYGVC_DATA_DIR": str(tmp_path / "data")})
    metadata = headline_metadata(marts, settings)
    png = tmp_path / "data" / MONITORING_DIR / HEADLINE_PNG
    assert metadata["headline_plot_path"].value == str(png)
    assert png.read_bytes().startswith(b"\x89PNG")
    markdown = metadata["headline_plot"].value
    encoded = markdown.split("data:image/png;base64,", 1)[1].rstrip(")")
    assert base64.b64decode(encoded) == png.read_bytes()
    assert "| ICT share of manufacturing output | asif | 2009 |" in metadata["headline"].value
    assert metadata["complexity"].value == complexity_table(marts)
    # Same data, same bytes: the plot carries no software or date stamp.
    first = png.read_bytes()
    headline_metadata(marts, settings)
    assert png.read_bytes() == first


def test_dagster_stores_the_metadata_on_a_materialization(marts, tmp_path: Path) -> None:
    settings = Settings.from_env({"CITYGVC_DATA_DIR": str(tmp_path / "data")})
    metadata = {
        **headline_metadata(marts, settings),
        **data_quality_metadata(marts, ["asif-2009-r1"]),
    }

    @asset
    def monitored() -> MaterializeResult:
        return MaterializeResult(metadata=metadata)

    instance = DagsterInstance.ephemeral()
    assert materialize([monitored], instance=instance).success
    event = instance.get_latest_materialization_event(monitored.key)
    stored = event.asset_materialization.metadata
    assert set(stored) == set(metadata)
    assert stored["headline"].value == metadata["headline"].value


def test_data_quality_table_per_release(marts) -> None:
    metadata = data_quality_metadata(marts, ["fdi_city-2015-r1", "asif-2009-r1", "asif-2099-r1"])
    rows = _table_rows(metadata["data_quality"].value)
    assert rows == [
        # release, dataset, year, read, staged, duplicates, kept, dropped (12 + 8), unmapped
        # codes, unmapped labels
        ["asif-2009-r1", "asif", "2009", "1,000", "990", "10", "970", "20", "8", "–"],
        ["fdi_city-2015-r1", "fdi_city", "2015", "420", "–", "–", "–", "–", "–", "2"],
    ]
    assert "asif-2099-r1" in metadata["data_quality"].value.splitlines()[-1]
    detail = metadata["data_quality_detail"].value
    assert {
        "release_id": "asif-2009-r1",
        "step": "harmonise",
        "metric": "rows_dropped",
        "detail": "negative_output",
        "value": 12.0,
    } in detail
    assert all(d["release_id"] != "asif-2008-r1" for d in detail)
    assert metadata["value_added_imputed_share"].value == [
        {
            "release_id": "asif-2009-r1",
            "city": "Kunshan",
            "value_added_imputed_share": 0.125,
            "conf_status": "F",
        },
        {
            "release_id": "asif-2009-r1",
            "city": "Dongguan",
            "value_added_imputed_share": None,
            "conf_status": "C",
        },
    ]


def test_data_quality_before_the_first_transform(tmp_path: Path) -> None:
    with duckdb.connect(str(tmp_path / "empty.duckdb")) as con:
        con.execute("create schema marts")
        metadata = data_quality_metadata(con, ["asif-2009-r1"])
        assert "not built yet" in metadata["data_quality"].value
        assert data_quality_metadata(con, []) == {}


# Freshness of the marts (orchestration.defs.publish.freshness) ----------------------------


def _release(release_id: str, dataset: str, period: int, published_at: str) -> dict:
    return {
        "release_id": release_id,
        "dataset": dataset,
        "period": period,
        "revision": 1,
        "published_at": published_at,
        "provisional": False,
        "files": [
            {
                "path": f"{dataset}/{period}/{release_id}.csv",
                "format": "csv",
                "sha256": hashlib.sha256(release_id.encode()).hexdigest(),
                "bytes": 10,
                **({"city_code": DONGGUAN} if dataset == "fdi_city" else {}),
            }
        ],
    }


def _freshness_setup(
    tmp_path: Path, catalog: list[dict], loaded: list[str], published: list[str] | None = None
) -> Settings:
    """A catalog, the writer's state.json marking `loaded` as loaded, and a served manifest
    listing `published` (nothing published when None)."""
    releases = tmp_path / "releases"
    releases.mkdir(parents=True, exist_ok=True)
    (releases / "catalog.json").write_text(json.dumps({"catalog_version": 1, "releases": catalog}))
    settings = Settings.from_env(
        {"CITYGVC_DATA_DIR": str(tmp_path / "data"), "CITYGVC_RELEASES": str(releases)}
    )
    settings.serve_dir.mkdir(parents=True, exist_ok=True)
    parsed, _ = validate_catalog({"catalog_version": 1, "releases": catalog})
    state = {
        r.release_id: {
            "release_id": r.release_id,
            "dataset": r.dataset,
            "sha256": r.content_sha256,
            "status": "loaded" if r.release_id in loaded else "quarantined",
            "code_fingerprint": "c",
        }
        for r in parsed
        if r.release_id in loaded or r.release_id.endswith("-bad")
    }
    (settings.data_dir / "state.json").write_text(json.dumps({"releases": state}))
    if published is not None:
        manifest = {
            "publish_id": "p1",
            "releases": [{"release_id": rid, "status": "loaded"} for rid in published],
        }
        (settings.serve_dir / "manifest.json").write_text(json.dumps(manifest))
    return settings


CATALOG = [
    _release("asif-2012-r1", "asif", 2012, "2014-06-01"),
    _release("asif-2013-r1", "asif", 2013, "2015-06-01"),
    _release("fdi_city-2019-r1", "fdi_city", 2019, "2020-09-01"),
    _release("fdi_city-2020-r1", "fdi_city", 2020, "2021-09-01"),
    # newer, but quarantined: it does not make the marts fresher
    _release("fdi_city-2021-bad", "fdi_city", 2021, "2022-09-01"),
]
LOADED = ["asif-2012-r1", "asif-2013-r1", "fdi_city-2019-r1", "fdi_city-2020-r1"]
RULES = (
    FreshnessRule("asif", max_period_lag_years=3, max_published_age_days=730),
    FreshnessRule("fdi_city", max_period_lag_years=2, max_published_age_days=730),
)


def test_freshness_passes_when_the_newest_releases_are_recent(tmp_path: Path) -> None:
    settings = _freshness_setup(tmp_path, CATALOG, LOADED, published=LOADED)
    # The two datasets' newest periods are years apart, so each is judged on its own clock:
    # on 2016-05-01 asif 2013 is 3 years back and was published 335 days before.
    report = evaluate_freshness(settings, date(2016, 5, 1), RULES[:1])
    assert report.fresh, report.summary()
    newest = report.datasets[0]
    assert (newest.newest_release_id, newest.newest_period) == ("asif-2013-r1", 2013)
    assert newest.newest_published_at == "2015-06-01"
    assert report.publish_current and report.publish_id == "p1"
    # on 2022-03-01 fdi_city 2020 is 2 years back and was published 181 days before.
    report = evaluate_freshness(settings, date(2022, 3, 1), RULES[1:])
    assert report.fresh, report.summary()
    assert report.datasets[0].newest_release_id == "fdi_city-2020-r1"


def test_freshness_fails_when_the_newest_release_is_too_old(tmp_path: Path) -> None:
    settings = _freshness_setup(tmp_path, CATALOG, LOADED, published=LOADED[:2])
    report = evaluate_freshness(settings, date(2023, 10, 1), RULES)
    assert not report.fresh
    asif, fdi = report.datasets
    # asif: 2013 is 10 years behind 2023, published 2015-06-01 = 3044 days ago
    assert asif.problems == (
        "newest asif period 2013 is 10 years behind 2023 (expected at most 3)",
        "newest asif release was published 2015-06-01, 3044 days ago (expected at most 730)",
    )
    # fdi_city: 2020 is 3 years behind (> 2); published 2021-09-01 = 760 days ago (> 730)
    assert fdi.problems == (
        "newest fdi_city period 2020 is 3 years behind 2023 (expected at most 2)",
        "newest fdi_city release was published 2021-09-01, 760 days ago (expected at most 730)",
    )
    assert not report.publish_current  # the served set lags the loaded one
    assert report.pending_release_ids == ()


def test_each_limit_alone_triggers_the_warning(tmp_path: Path) -> None:
    settings = _freshness_setup(tmp_path, CATALOG, LOADED)
    period_only = (FreshnessRule("fdi_city", max_period_lag_years=2, max_published_age_days=None),)
    age_only = (FreshnessRule("fdi_city", max_period_lag_years=None, max_published_age_days=400),)
    # 2022-12-31: lag 2 (ok), published 486 days before
    assert evaluate_freshness(settings, date(2022, 12, 31), period_only).fresh
    assert not evaluate_freshness(settings, date(2022, 12, 31), age_only).fresh
    # 2023-01-01: lag 3
    assert not evaluate_freshness(settings, date(2023, 1, 1), period_only).fresh


def test_freshness_with_nothing_loaded_or_no_catalog(tmp_path: Path) -> None:
    settings = _freshness_setup(tmp_path, CATALOG, loaded=[])
    report = evaluate_freshness(settings, date(2016, 1, 1), RULES)
    assert [d.problems for d in report.datasets] == [
        ("no asif release is loaded",),
        ("no fdi_city release is loaded",),
    ]
    assert set(report.pending_release_ids) == {r["release_id"] for r in CATALOG} - {
        "fdi_city-2021-bad"
    }
    (tmp_path / "releases" / "catalog.json").unlink()
    report = evaluate_freshness(settings, date(2016, 1, 1), RULES)
    assert not report.fresh
    assert report.summary().startswith("freshness unknown:")


def _run_freshness_check(settings: Settings, rules) -> AssetCheckEvaluation:
    checks = freshness_checks(rules)
    defs = Definitions(
        asset_checks=checks,
        schedules=[freshness_schedule(checks)],
        resources={"citygvc": CitygvcSettings.from_settings(settings)},
    )
    result = defs.resolve_job_def("freshness_check").execute_in_process(
        instance=DagsterInstance.ephemeral()
    )
    assert result.success  # a stale mart warns; it never fails the run
    (evaluation,) = result.get_asset_check_evaluations()
    return evaluation


def test_the_dagster_check_warns_on_stale_marts_and_passes_on_fresh_ones(tmp_path: Path) -> None:
    today = date.today()
    recent = (today - timedelta(days=30)).isoformat()
    catalog = [
        _release("asif-old-r1", "asif", today.year - 10, "2001-01-01"),
        _release("asif-new-r1", "asif", today.year - 1, recent),
    ]
    rules = (FreshnessRule("asif", max_period_lag_years=3, max_published_age_days=365),)
    stale = _run_freshness_check(_freshness_setup(tmp_path / "a", catalog, ["asif-old-r1"]), rules)
    assert stale.asset_key == AssetKey(["marts", "fct_city_indicators"])
    assert stale.check_name == "freshness_newest_release"
    assert not stale.passed
    assert stale.severity == AssetCheckSeverity.WARN
    assert f"newest asif period {today.year - 10} is 10 years behind" in stale.description
    assert stale.metadata["pending_releases"].value == ["asif-new-r1"]

    fresh = _run_freshness_check(
        _freshness_setup(tmp_path / "b", catalog, ["asif-old-r1", "asif-new-r1"]), rules
    )
    assert fresh.passed, fresh.description
    assert fresh.metadata["datasets"].value[0]["newest_release_id"] == "asif-new-r1"


def test_freshness_check_attaches_to_the_real_mart_and_runs_with_the_transform(
    tmp_path: Path,
) -> None:
    from orchestration.definitions import build_definitions

    catalog = [_release("asif-2013-r1", "asif", 2013, "2015-06-01")]
    settings = _freshness_setup(tmp_path, catalog, ["asif-2013-r1"])
    defs = build_definitions(settings)
    key = AssetCheckKey(AssetKey(["marts", "fct_city_indicators"]), "freshness_newest_release")
    assert key in defs.resolve_asset_graph().asset_check_keys
    # the transform job selects the marts group, so the check runs after every build …
    transform = defs.resolve_job_def("transform_and_publish")
    assert key in transform.asset_layer.asset_graph.asset_check_keys
    # … and the daily schedule evaluates it alone, without building or opening anything
    job = defs.resolve_job_def("freshness_check")
    result = job.execute_in_process(instance=DagsterInstance.ephemeral())
    (evaluation,) = result.get_asset_check_evaluations()
    assert evaluation.asset_check_key == key
    assert evaluation.metadata["datasets"].value[0]["newest_release_id"] == "asif-2013-r1"
    assert not settings.warehouse_path.exists()


def test_releases_since_last_publish(tmp_path: Path) -> None:
    settings = Settings.from_env({"CITYGVC_DATA_DIR": str(tmp_path / "data")})
    loaded = ["asif-2008-r1", "asif-2009-r1", "asif-2009-r2"]
    assert releases_since_last_publish(settings, loaded) == sorted(loaded)
    settings.serve_dir.mkdir(parents=True)
    manifest = {
        "releases": [
            {"release_id": "asif-2008-r1", "status": "loaded"},
            {"release_id": "asif-2009-r1", "status": "quarantined"},
        ]
    }
    (settings.serve_dir / "manifest.json").write_text(json.dumps(manifest))
    assert releases_since_last_publish(settings, loaded) == ["asif-2009-r1", "asif-2009-r2"]
