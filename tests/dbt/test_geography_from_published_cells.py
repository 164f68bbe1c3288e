"""The economic-geography indicators recomputed from the published cells alone (issue
"Beyond the seed", acceptance): with disclosure off, every new indicator but `eg_index` follows
from `fct_city_industry_year`'s group and division cells (ASIF, all ownerships) and `dim_city`
by the definitions of docs/methodology.md. The recomputation is the sample generator's ground
truth code (tools/sample_releases/truth_geography.py), which shares nothing with the dbt
models or orchestration/complexity, fed the published group cells as if each were one firm's
output in that group. `eg_index` needs firm shares, which are never published: it is checked
against the generator's truth in test_dbt_ground_truth.py."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from tools.sample_releases.truth_geography import GeographyTruth

KEY = ["city_code", "year", "indicator_id", "breakdown"]
FROM_CELLS = (
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
)
PUBLISHED = """
select city_code, year, indicator_id, breakdown, value
from marts.fct_city_indicators
where source = 'asif' and indicator_id in ('eci', 'diversity', 'related_variety',
    'unrelated_variety', 'shift_share_national', 'shift_share_industry_mix',
    'shift_share_competitive')
union all
select city_code, year, indicator_id, industry_code, value
from marts.fct_city_industry_indicators
union all
select '', year, indicator_id, industry_code, value
from marts.fct_industry_indicators
where indicator_id in ('pci', 'ubiquity')
"""
GROUP_CELLS = """
select city_code, year, industry_code, cast(gross_output as double) as gross_output
from marts.fct_city_industry_year
where
    source = 'asif' and industry_level = 'group' and ownership = 'total'
    and left(industry_code, 2) between '13' and '41' and gross_output > 0
order by year, city_code, industry_code
"""


def recomputed(cells: pd.DataFrame) -> pd.DataFrame:
    """The definitions applied to the published group cells, year after year."""
    truth = GeographyTruth()
    rows = []
    for year, cells_of_year in cells.groupby("year", sort=True):
        harm = pd.DataFrame(
            {
                "city_code": cells_of_year.city_code,
                # one pseudo-firm per cell: only eg_index (not compared) looks at firms
                "firm_key": cells_of_year.city_code + "/" + cells_of_year.industry_code,
                "to_code": cells_of_year.industry_code + "0",
                "part": cells_of_year.gross_output,
            }
        )
        units = pd.Index(sorted(cells_of_year.city_code.unique()))
        rows += truth.add(int(year), harm, units)
    frame = pd.concat(rows, ignore_index=True)
    frame = frame[frame.indicator_id.isin(FROM_CELLS)]
    return frame.assign(city_code=frame.city_code.fillna(""))[[*KEY, "value"]]


@pytest.fixture(scope="module")
def compared(demo: tuple[Path, Path]) -> pd.DataFrame:
    _, data_dir = demo
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        published = con.sql(PUBLISHED).df()
        cells = con.sql(GROUP_CELLS).df()
    ours = recomputed(cells)
    return ours.merge(published, on=KEY, how="outer", suffixes=("_cells", ""), indicator=True)


def test_every_indicator_is_recomputed(compared: pd.DataFrame) -> None:
    assert set(compared.indicator_id) == set(FROM_CELLS)
    assert compared.year.nunique() == 16


def test_the_same_rows_are_published_and_recomputed(compared: pd.DataFrame) -> None:
    unmatched = compared[compared._merge != "both"]
    assert unmatched.empty, unmatched.head(20).to_string()
    assert (compared.value_cells.isna() == compared.value.isna()).all()


def test_published_values_follow_from_the_cells(compared: pd.DataFrame) -> None:
    rows = compared[compared.value.notna()]
    diff = (rows.value - rows.value_cells).abs()
    # The cells are published rounded to 1e-6 thousand yuan: a shift-share part sums up to 31
    # divisions' terms (≤ 3.1e-5 apart). Everything else is float arithmetic on the same cells.
    money = rows.indicator_id.str.startswith("shift_share_")
    ok = diff <= 1e-9 * (1 + rows.value_cells.abs()) + money * 1e-4
    assert ok.all(), rows[~ok].head(20).to_string()


def test_shift_share_parts_sum_to_the_change_in_published_output(demo: tuple[Path, Path]) -> None:
    _, data_dir = demo
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        gaps = con.sql(
            """
            with parts as (
                select city_code, year, sum(value) as parts
                from marts.fct_city_indicators
                where indicator_id like 'shift_share_%'
                group by city_code, year
            ),
            output as (
                select city_code, year, sum(gross_output) as output
                from marts.fct_city_industry_year
                where source = 'asif' and industry_level = 'division' and ownership = 'total'
                    and industry_code between '13' and '41'
                group by city_code, year
            )
            select parts.city_code, parts.year, parts.parts,
                coalesce(now.output, 0) - coalesce(before.output, 0) as change
            from parts
            left join output as now using (city_code, year)
            left join output as before
                on parts.city_code = before.city_code and parts.year - 1 = before.year
            """
        ).df()
    assert len(gaps) > 100
    off = (gaps.parts - gaps.change.astype(float)).abs() > 1e-6 * (1 + gaps.change.abs())
    assert not off.any(), gaps[off].head().to_string()
