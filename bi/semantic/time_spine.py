"""dbt-duckdb plugin: the MetricFlow time spine as a view in the session's in-memory database.

MetricFlow needs a day-grain time spine model. The semantic layer must not write anything (the
marts are attached read only and the main database is in memory), so the spine is created on
every connection instead of being built once by `dbt run`.
"""

from dbt.adapters.duckdb.plugins import BasePlugin
from duckdb import DuckDBPyConnection

# Wide enough for every ASIF (1998-2013) and yearbook (2010-2020) year plus what may come.
FIRST_DAY, END_DAY = "1990-01-01", "2041-01-01"


class Plugin(BasePlugin):
    def configure_connection(self, conn: DuckDBPyConnection) -> None:
        conn.execute("create schema if not exists memory.semantic")
        conn.execute(
            "create or replace view memory.semantic.time_spine_daily as "
            "select cast(range as date) as date_day "
            f"from range(date '{FIRST_DAY}', date '{END_DAY}', interval 1 day)"
        )
