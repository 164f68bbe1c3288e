"""The ground truth the sample-release generator writes (_ground_truth.parquet): the
calibration of the seed story, every indicator, coherence, and a hand computation from the
files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from orchestration.warehouse.seeds import load_seed
from tests.helpers import ICT_SEGMENTS
from tests.unit.tools.sample_files import (
    DONGGUAN,
    KUNSHAN,
    SUZHOU,
    asif_file,
    fdi_cells,
    read_asif,
    value,
)

# Ground truth -----------------------------------------------------------------------------


def test_calibration_of_the_seed_story(truth: pd.DataFrame) -> None:
    assert 0.12 <= value(truth, KUNSHAN, 2000, "ict_share_mfg_output") <= 0.19
    assert 0.61 <= value(truth, KUNSHAN, 2009, "ict_share_mfg_output") <= 0.65
    assert 0.42 <= value(truth, DONGGUAN, 2000, "ict_share_mfg_output") <= 0.48
    assert 0.25 <= value(truth, DONGGUAN, 2009, "ict_share_mfg_output") <= 0.29
    fdi = "fdi_dependency_ict_va"
    assert 0.81 <= value(truth, DONGGUAN, 2010, fdi, source="fdi_city") <= 0.88
    assert 0.22 <= value(truth, DONGGUAN, 2020, fdi, source="fdi_city") <= 0.29
    for year in (2010, 2020):
        assert 0.82 <= value(truth, KUNSHAN, year, fdi, source="fdi_city") <= 0.93
    # Kunshan's ICT is computers and parts; Dongguan's is diversified, handsets after 2010
    computers = sum(
        value(truth, KUNSHAN, 2009, "ict_segment_share", s)
        for s in ("computers", "parts_peripherals")
    )
    assert computers > 0.7
    assert value(truth, DONGGUAN, 2009, "ict_segment_share", "computers") < 0.2
    assert value(truth, DONGGUAN, 2013, "ict_segment_share", "handsets") > value(
        truth, DONGGUAN, 2009, "ict_segment_share", "handsets"
    )
    # Suzhou includes Kunshan
    assert value(truth, SUZHOU, 2009, "ict_output") > value(truth, KUNSHAN, 2009, "ict_output")


def test_headline_cells_pass_the_default_disclosure_rules(firm_years: pd.DataFrame) -> None:
    codes = load_seed("industry_codes")
    groups = load_seed("gbt4754_1994_groups")
    # 1994 codes count by their official group: manufacturing = section C, ICT = division 41
    flags = pd.concat(
        [
            pd.DataFrame(
                {
                    "vintage": codes.vintage,
                    "code": codes.code,
                    "ict": codes.is_ict.eq("true"),
                    "mfg": codes.is_manufacturing.eq("true"),
                }
            ),
            pd.DataFrame(
                {
                    "vintage": "1994",
                    "code": groups.group_code,
                    "ict": groups.division_code.eq("41"),
                    "mfg": groups.section.eq("C"),
                }
            ),
        ]
    ).set_index(["vintage", "code"])
    fy = firm_years[(firm_years.gross_output > 0) & firm_years.location_valid]
    code = fy.industry_code.where(fy.industry_vintage != "1994", fy.industry_code.str[:3])
    keys = list(zip(fy.industry_vintage, code, strict=True))
    fy = fy.assign(ict=flags.ict.loc[keys].to_numpy(), mfg=flags.mfg.loc[keys].to_numpy())
    for city in (KUNSHAN, DONGGUAN):
        mine = fy[fy.county_code == KUNSHAN] if city == KUNSHAN else fy[fy.city_code == city]
        for year, part in mine.groupby("year"):
            for cell in (part[part.mfg], part[part.ict]):
                top_two = cell.gross_output.nlargest(2).sum()
                assert len(cell) >= 3 and top_two <= 0.85 * cell.gross_output.sum(), (city, year)


GEOGRAPHY = (
    "eci",
    "diversity",
    "related_variety",
    "unrelated_variety",
    "shift_share_national",
    "shift_share_industry_mix",
    "shift_share_competitive",
    "rca",
    "relatedness_density",
    "pci",
    "ubiquity",
    "eg_index",
)


def test_truth_has_every_indicator_breakdown_and_source(truth: pd.DataFrame) -> None:
    asif = {
        ("mfg_output", "total"),
        ("ict_output", "total"),
        ("ict_share_mfg_output", "total"),
        ("ict_share_mfg_output", "threshold_20m"),
        ("export_intensity_ict", "total"),
        ("va_ratio_ict", "total"),
        ("top4_share_ict", "total"),
        ("hhi_mfg", "total"),
        ("lq_ict", "total"),
        ("firms_ict", "total"),
        ("entry_rate_ict", "total"),
        ("exit_rate_ict", "total"),
        *{("ict_segment_share", s) for s in ICT_SEGMENTS},
        *{
            (i, b)
            for i in ("fdi_dependency_ict_va", "fdi_dependency_ict_output")
            for b in ("total", "hmt", "foreign", "cap25")
        },
    }
    fdi = {
        ("mfg_output", "total"),
        ("ict_output", "total"),
        ("ict_share_mfg_output", "total"),
        *{
            (i, b)
            for i in ("fdi_dependency_ict_va", "fdi_dependency_ict_output")
            for b in ("total", "hmt", "foreign")
        },
    }
    assert not truth.duplicated(["city_code", "year", "indicator_id", "breakdown", "source"]).any()
    for source, expected, years in (
        ("asif", asif, range(1998, 2014)),
        ("fdi_city", fdi, range(2010, 2021)),
    ):
        part = truth[(truth.source == source) & ~truth.indicator_id.isin(GEOGRAPHY)]
        assert set(zip(part.indicator_id, part.breakdown, strict=True)) == expected
        per_cell = part.groupby(["city_code", "year"]).size()
        assert (per_cell == len(expected)).all()
        assert set(part.year) == set(years)
        assert {KUNSHAN, DONGGUAN, SUZHOU} <= set(part.city_code)
    cities = set(load_seed("cities").city_code)
    assert set(truth.city_code.dropna()) <= cities
    # economic geography: asif only, groups as breakdowns, year × group rows without a city
    geography = truth[truth.indicator_id.isin(GEOGRAPHY)]
    assert set(geography.source) == {"asif"}
    assert set(geography.indicator_id) == set(GEOGRAPHY)
    no_city = geography.city_code.isna()
    assert set(geography[no_city].indicator_id) == {"pci", "ubiquity", "eg_index"}
    assert not geography[~no_city].indicator_id.isin(["pci", "ubiquity", "eg_index"]).any()
    by_group = geography.indicator_id.isin(["rca", "relatedness_density", "pci", "ubiquity"])
    assert geography[by_group].breakdown.str.fullmatch("[0-9]{3}").all()
    assert (geography[~by_group & ~no_city].breakdown == "total").all()
    # entry and exit need the previous year's release
    first = truth[
        (truth.year == 1998) & truth.indicator_id.isin(["entry_rate_ict", "exit_rate_ict"])
    ]
    assert first.value.isna().all()


def test_truth_values_are_coherent(truth: pd.DataFrame) -> None:
    shares = truth[
        truth.indicator_id.isin(
            [
                "ict_share_mfg_output",
                "ict_segment_share",
                "fdi_dependency_ict_va",
                "fdi_dependency_ict_output",
                "top4_share_ict",
                "hhi_mfg",
                "va_ratio_ict",
                "export_intensity_ict",
                "entry_rate_ict",
                "exit_rate_ict",
            ]
        )
    ].value.dropna()
    assert shares.between(0, 1).all()
    seg = truth[truth.indicator_id == "ict_segment_share"].groupby(["city_code", "year"]).value
    sums = seg.sum(min_count=1).dropna()
    assert np.allclose(sums, 1.0)
    dep = truth[truth.indicator_id == "fdi_dependency_ict_va"].pivot_table(
        index=["city_code", "year", "source"], columns="breakdown", values="value"
    )
    dep = dep.dropna(subset=["total"])
    assert np.allclose(dep.hmt + dep.foreign, dep.total)


def test_truth_matches_a_hand_computation_from_the_files(
    demo: Path, catalog: dict, truth: pd.DataFrame
) -> None:
    """Dongguan and Kunshan 2005 from the .dta with the documented cleaning, and Dongguan 2020
    FDI dependency from its printed table."""
    codes = load_seed("industry_codes")
    frame = read_asif(asif_file(demo, catalog, 2005)).drop_duplicates()
    frame = frame[frame.gross_output > 0]
    amap = load_seed("admin_code_map")
    valid_2005 = amap[
        (amap.valid_from.replace("", "0").astype(int) <= 2005)
        & (amap.valid_to.replace("", "9999").astype(int) >= 2005)
    ]
    frame = frame[frame.location_code.str[:6].isin(set(valid_2005.admin_code))]
    v2002 = codes[codes.vintage == "2002"].set_index("code")
    ict = frame.industry_code.map(v2002.is_ict) == "true"
    mfg = frame.industry_code.map(v2002.is_manufacturing) == "true"
    for city, mask in (
        (DONGGUAN, frame.location_code.str[:4] == "4419"),
        (KUNSHAN, frame.location_code.str[:6] == KUNSHAN),
    ):
        assert frame.gross_output[mask & mfg].sum() == value(truth, city, 2005, "mfg_output")
        assert frame.gross_output[mask & ict].sum() == value(truth, city, 2005, "ict_output")
        assert (mask & ict).sum() == value(truth, city, 2005, "firms_ict")
    (release,) = [r for r in catalog["releases"] if r["release_id"] == "fdi_city-2020-r1"]
    (entry,) = [e for e in release["files"] if e["city_code"] == DONGGUAN]
    cells = fdi_cells(demo / entry["path"])
    va = (
        cells[(cells.industry == "39") & (cells.measure == "value_added")]
        .set_index("ownership")
        .value
    )
    expected = (va["hmt"] + va["foreign"]) / va["total"]
    assert value(
        truth, DONGGUAN, 2020, "fdi_dependency_ict_va", source="fdi_city"
    ) == pytest.approx(expected, rel=1e-12)
