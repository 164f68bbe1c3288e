"""The Kunshan/Dongguan series of the published marts, shared by the replication report and the
publish metadata a monitor reads: city indicators (`city_series`) and the mean of a city x group
indicator over the ICT groups of division 39 (`ict_group_mean`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import duckdb

if TYPE_CHECKING:  # pandas costs ~0.4 s to import; frames arrive from DuckDB's .df()
    import pandas as pd

KUNSHAN, DONGGUAN = "320583", "441900"
CITIES = {KUNSHAN: "Kunshan", DONGGUAN: "Dongguan"}
# Series colours shared by the headline plot and the replication report.
CITY_COLOURS = {KUNSHAN: "#1f5fa8", DONGGUAN: "#c8511b"}


def city_series(
    con: duckdb.DuckDBPyConnection,
    indicator_id: str,
    source: str,
    breakdowns: Sequence[str] | None = ("total",),
    cities: Iterable[str] = (KUNSHAN, DONGGUAN),
) -> pd.DataFrame:
    """Rows of marts.fct_city_indicators for the given cities, one indicator and source (all
    breakdowns when `breakdowns` is None), ordered by city, breakdown and year (value NULL when
    suppressed or not computable)."""
    cities = list(cities)
    params: list = [indicator_id, source, *cities]
    breakdown_filter = ""
    if breakdowns is not None:
        breakdown_filter = f"and breakdown in ({', '.join('?' * len(breakdowns))})"
        params.extend(breakdowns)
    return con.execute(
        f"""
        select city_code, year, breakdown, value, obs_status, obs_flags, conf_status
        from marts.fct_city_indicators
        where indicator_id = ? and source = ?
          and city_code in ({", ".join("?" * len(cities))})
          {breakdown_filter}
        order by city_code, breakdown, year
        """,
        params,
    ).df()


# The worst SDMX observation status first (docs/marts.md: B > O > E > P > A).
STATUS_PRECEDENCE = ("B", "O", "E", "P", "A")


def ict_group_mean(
    con: duckdb.DuckDBPyConnection,
    indicator_id: str,
    cities: Iterable[str] = (KUNSHAN, DONGGUAN),
) -> pd.DataFrame:
    """Per city and year, the mean of a marts.fct_city_industry_indicators indicator over the
    ICT groups (marts.dim_industry: industry_level 'group', is_ict — the groups of division
    39), with the columns of `city_series` but `breakdown` ('ict_groups') plus `groups` (ICT
    groups with a row). The worst status of the groups is the mean's; when any group's value is
    withheld (conf_status C/D) the mean is NULL with that code, so every published mean is
    over the same groups and none lets a withheld value be worked back."""
    cities = list(cities)
    statuses = " ".join(
        f"when bool_or(ict.obs_status = '{code}') then '{code}'" for code in STATUS_PRECEDENCE
    )
    return con.execute(
        f"""
        with ict as (
            select ind.*
            from marts.fct_city_industry_indicators as ind
            inner join marts.dim_industry as industry
                on ind.industry_level = industry.industry_level
                and ind.industry_code = industry.industry_code
            where ind.indicator_id = ? and ind.industry_level = 'group' and industry.is_ict
              and ind.city_code in ({", ".join("?" * len(cities))})
        ),

        flags as (
            select city_code, year, string_agg(distinct flag, ',' order by flag) as flags
            from (
                select city_code, year,
                    unnest(string_split(coalesce(obs_flags, obs_status), ',')) as flag
                from ict
            ) as split
            where flag <> 'A'
            group by city_code, year
        )

        select
            ict.city_code,
            ict.year,
            'ict_groups' as breakdown,
            case when bool_and(ict.conf_status not in ('C', 'D')) then avg(ict.value) end
                as value,
            case {statuses} end as obs_status,
            coalesce(any_value(flags.flags), 'A') as obs_flags,
            case
                when bool_or(ict.conf_status = 'C') then 'C'
                when bool_or(ict.conf_status = 'D') then 'D'
                else 'F'
            end as conf_status,
            count(*) as groups
        from ict
        left join flags on ict.city_code = flags.city_code and ict.year = flags.year
        group by ict.city_code, ict.year
        order by ict.city_code, ict.year
        """,
        [indicator_id, *cities],
    ).df()
