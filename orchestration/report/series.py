"""The Kunshan/Dongguan series of the published marts, shared by the replication report and the
publish metadata a monitor reads."""

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
