"""Register the published citygvc marts in a running Superset, through its REST API.

Run by bi/superset/setup.sh with .venv-superset's python once Superset listens. Idempotent:
every object is found by name and updated, never duplicated. Creates
- the database "citygvc marts" = serve/citygvc.duckdb opened read only (DuckDB access_mode
  read_only, no file system access, configuration locked), exposed in SQL Lab, no DML;
- a dataset per published mart, described by its dbt description (the table comment of the
  served file), and the virtual dataset `city_indicator_series`
  (fct_city_indicators with city names and each series' newest year) behind the starter charts;
- one saved query per ready SQL file of bi/sql/;
- the starter dashboard "citygvc: Kunshan vs Dongguan" (slug citygvc) with the seed's series
  and the ECI ranking of all cities in the newest year.

Environment: CITYGVC_DATA_DIR, SUPERSET_HOME (its admin_password file holds the password that
bi/superset/credentials.sh generated), SUPERSET_PORT, SUPERSET_ADMIN_USER (setup.sh exports
them all) and SUPERSET_SERVER_PID (to stop waiting if the server died).
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import duckdb
import requests

HERE = Path(__file__).resolve().parent
SQL_DIR = HERE.parent / "sql"
DATABASE_NAME = "citygvc marts"
DASHBOARD_SLUG = "citygvc"
SERIES_DATASET = "city_indicator_series"
HEADLINE_CITIES = ("320583", "441900")  # Kunshan, Dongguan
# bi/sql/city_profile.sql takes its city from DuckDB's SET VARIABLE, but SQL Lab returns the
# result of one statement only; in Superset the city is a Jinja template parameter instead
# (SQL Lab's "Parameters"), saved with the query.
PROFILE_CITY = "coalesce(getvariable('city_code'), '320583')"
PROFILE_TEMPLATE = "'{{ city_code }}'"
PROFILE_PARAMETERS = {"city_code": "441900"}

SERIES_SQL = """select
    indicators.city_code,
    dim_city.name_en as city,
    indicators.year,
    indicators.indicator_id,
    indicators.breakdown,
    indicators.source,
    indicators.value,
    indicators.unit,
    indicators.obs_status,
    indicators.conf_status,
    indicators.year = max(indicators.year) over (
        partition by indicators.indicator_id, indicators.breakdown, indicators.source
    ) as is_newest_year
from marts.fct_city_indicators as indicators
inner join marts.dim_city on indicators.city_code = dim_city.city_code"""


def served_uri(data_dir: Path) -> str:
    """SQLAlchemy URI of the served file as BI tools should open it: read only, and with DuckDB's
    file access off and locked so SQL Lab users cannot read other files on the server."""
    served = data_dir / "serve" / "citygvc.duckdb"
    return (
        f"duckdb:///{served}?access_mode=read_only"
        "&enable_external_access=false&lock_configuration=true"
    )


def rison_str(text: str) -> str:
    return "'" + text.replace("!", "!!").replace("'", "!'") + "'"


class Superset:
    """A logged-in REST client (JWT for the API, CSRF token + session cookie for writes)."""

    def __init__(self, base_url: str, user: str, password: str) -> None:
        self.base = base_url.rstrip("/")
        self.http = requests.Session()
        token = self._call(
            "POST",
            "/api/v1/security/login",
            json={"username": user, "password": password, "provider": "db", "refresh": True},
        )["access_token"]
        self.http.headers["Authorization"] = f"Bearer {token}"
        csrf = self._call("GET", "/api/v1/security/csrf_token/")["result"]
        self.http.headers.update({"X-CSRFToken": csrf, "Referer": self.base})

    def _call(self, method: str, path: str, **kwargs: Any) -> dict:
        response = self.http.request(method, self.base + path, timeout=180, **kwargs)
        if response.status_code >= 400:
            raise RuntimeError(f"{method} {path}: HTTP {response.status_code}: {response.text}")
        return response.json()

    def get(self, path: str, **kwargs: Any) -> dict:
        return self._call("GET", path, **kwargs)

    def post(self, path: str, body: dict) -> dict:
        return self._call("POST", path, json=body)

    def put(self, path: str, body: dict) -> dict:
        return self._call("PUT", path, json=body)

    def find(self, resource: str, column: str, value: str) -> int | None:
        query = f"(filters:!((col:{column},opr:eq,value:{rison_str(value)})))"
        rows = self.get(f"/api/v1/{resource}/", params={"q": query})["result"]
        return rows[0]["id"] if rows else None

    def upsert(self, resource: str, column: str, body: dict, update: dict | None = None) -> int:
        """Create `body`, or PUT `update` (default: body) on the object named like it."""
        existing = self.find(resource, column, body[column])
        if existing is None:
            return self.post(f"/api/v1/{resource}/", body)["id"]
        self.put(f"/api/v1/{resource}/{existing}", body if update is None else update)
        return existing


def wait_until_up(base_url: str, server_pid: int | None, timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if requests.get(f"{base_url}/health", timeout=5).text.strip() == "OK":
                return
        except requests.RequestException:  # not listening yet, or still loading the app
            pass
        if server_pid is not None and not Path(f"/proc/{server_pid}").exists():
            raise RuntimeError(f"Superset exited before answering on {base_url} (port in use?)")
        if time.monotonic() > deadline:
            raise TimeoutError(f"Superset did not answer on {base_url} within {timeout:.0f} s")
        time.sleep(1)


def ensure_database(api: Superset, data_dir: Path) -> int:
    body = {
        "database_name": DATABASE_NAME,
        "sqlalchemy_uri": served_uri(data_dir),
        "expose_in_sqllab": True,
        "allow_dml": False,
        "allow_ctas": False,
        "allow_cvas": False,
        "allow_file_upload": False,
        "allow_run_async": False,
        "extra": json.dumps({"allows_virtual_table_explore": True}),
    }
    return api.upsert("database", "database_name", body)


def sql_file_text(path: Path) -> tuple[str, str]:
    """(the first paragraph of the file's leading comment, the whole file)."""
    text = path.read_text()
    paragraph = []
    for line in text.splitlines():
        if not line.startswith("--") or not line.removeprefix("--").strip():
            break
        paragraph.append(line.removeprefix("--").strip())
    return " ".join(paragraph), text


def ensure_saved_queries(api: Superset, db_id: int) -> list[int]:
    ids = []
    for path in sorted(SQL_DIR.glob("*.sql")):
        description, sql = sql_file_text(path)
        body = {
            "label": f"citygvc: {path.stem.replace('_', ' ')}",
            "db_id": db_id,
            "schema": "marts",
            "sql": sql,
            "description": f"{description} (bi/sql/{path.name})",
        }
        if PROFILE_CITY in sql:
            body["sql"] = sql.replace(PROFILE_CITY, PROFILE_TEMPLATE)
            body["template_parameters"] = json.dumps(PROFILE_PARAMETERS)
        ids.append(api.upsert("saved_query", "label", body))
    return ids


def table_comments(data_dir: Path) -> dict[str, str]:
    """The dbt descriptions the publish wrote into the served file as table comments."""
    served = data_dir / "serve" / "citygvc.duckdb"
    with duckdb.connect(str(served), read_only=True) as con:
        rows = con.execute(
            "select table_name, comment from duckdb_tables() "
            "where schema_name = 'marts' and comment is not null"
        ).fetchall()
    return {table: comment.strip() for table, comment in rows}


def ensure_datasets(api: Superset, db_id: int, comments: dict[str, str]) -> int:
    """A dataset per published mart (described by its dbt description), plus the series
    dataset; returns the series dataset id."""
    tables = api.get(
        f"/api/v1/database/{db_id}/tables/", params={"q": "(schema_name:marts,force:!t)"}
    )["result"]
    for table in sorted(t["value"] for t in tables if t["type"] == "table"):
        body = {"database": db_id, "schema": "marts", "table_name": table}
        dataset_id = api.find("dataset", "table_name", table)
        if dataset_id is None:
            dataset_id = api.post("/api/v1/dataset/", body)["id"]
        if table in comments:
            api.put(f"/api/v1/dataset/{dataset_id}", {"description": comments[table]})
    body = {"database": db_id, "schema": "marts", "table_name": SERIES_DATASET, "sql": SERIES_SQL}
    dataset_id = api.upsert(
        "dataset", "table_name", body, update={"sql": SERIES_SQL, "schema": "marts"}
    )
    api.put(f"/api/v1/dataset/{dataset_id}/refresh", {})
    return dataset_id


def _where(indicator: str, breakdown: str | None, extra: str = "") -> str:
    cities = ", ".join(f"'{c}'" for c in HEADLINE_CITIES)
    where = f"indicator_id = '{indicator}' and city_code in ({cities})"
    if breakdown:
        where += f" and breakdown = '{breakdown}'"
    return where + extra


# Every city's ECI in the newest year of the series (is_newest_year of the series dataset, so
# a publish with a newer year moves the chart along); another year: filter on `year` instead.
ECI_RANKING_WHERE = (
    "indicator_id = 'eci' and breakdown = 'total' and source = 'asif' and is_newest_year"
)


def chart_specs() -> list[dict]:
    """The seed's series: two lines per city and source, and a stacked segment mix per city;
    then the ECI ranking of all cities (bars, highest first). A spec without `x_axis` is a
    series over `year`; `form_data` is added to the chart's form data as it is."""
    return [
        {
            "name": "ICT share of manufacturing output: Kunshan vs Dongguan",
            "viz_type": "echarts_timeseries_line",
            "groupby": ["city", "source"],
            "where": _where("ict_share_mfg_output", "total"),
            "y_axis_format": ".0%",
        },
        {
            "name": "FDI dependency of ICT value added: Kunshan vs Dongguan",
            "viz_type": "echarts_timeseries_line",
            "groupby": ["city", "source"],
            "where": _where("fdi_dependency_ict_va", "total"),
            "y_axis_format": ".0%",
        },
        *(
            {
                "name": f"ICT segment mix of {city} (share of ICT output, ASIF)",
                "viz_type": "echarts_timeseries_bar",
                "groupby": ["breakdown"],
                "where": (
                    f"indicator_id = 'ict_segment_share' and source = 'asif' "
                    f"and city_code = '{code}'"
                ),
                "y_axis_format": ".0%",
            }
            for code, city in zip(HEADLINE_CITIES, ("Kunshan", "Dongguan"), strict=True)
        ),
        {
            "name": "ECI ranking of cities (ASIF, newest year)",
            "viz_type": "echarts_timeseries_bar",
            "x_axis": "city",
            "groupby": [],
            "where": ECI_RANKING_WHERE,
            "y_axis_format": ".2f",
            "sort_desc": True,
            "form_data": {
                "orientation": "horizontal",
                "x_axis_sort": "value",
                "x_axis_sort_asc": False,
                "show_value": True,
                "show_legend": False,
            },
        },
    ]


def chart_body(spec: dict, dataset_id: int, dashboard_id: int) -> dict:
    metric = {"expressionType": "SQL", "sqlExpression": "MAX(value)", "label": "value"}
    x_axis = spec.get("x_axis", "year")
    # a series: by year; a ranking (sort_desc): highest value first
    orderby = [[metric, False]] if spec.get("sort_desc") else [[x_axis, True]]
    form_data = {
        "datasource": f"{dataset_id}__table",
        "viz_type": spec["viz_type"],
        "x_axis": x_axis,
        "metrics": [metric],
        "groupby": spec["groupby"],
        "adhoc_filters": [
            {"expressionType": "SQL", "clause": "WHERE", "sqlExpression": spec["where"]}
        ],
        "row_limit": 10000,
        "y_axis_format": spec["y_axis_format"],
        "show_legend": True,
        "rich_tooltip": True,
        "stack": spec["viz_type"] == "echarts_timeseries_bar" and x_axis == "year",
        **spec.get("form_data", {}),
    }
    # What the chart's data endpoint runs: one row per x value (year, or city) and series,
    # value = the published value (one row per key, so MAX only picks it; NULL where
    # suppressed).
    query_context = {
        "datasource": {"id": dataset_id, "type": "table"},
        "force": False,
        "queries": [
            {
                "columns": [x_axis, *spec["groupby"]],
                "metrics": [metric],
                "filters": [],
                "extras": {"where": spec["where"], "having": ""},
                "orderby": orderby,
                "row_limit": 10000,
            }
        ],
        "form_data": form_data,
        "result_format": "json",
        "result_type": "full",
    }
    return {
        "slice_name": spec["name"],
        "viz_type": spec["viz_type"],
        "datasource_id": dataset_id,
        "datasource_type": "table",
        "params": json.dumps(form_data),
        "query_context": json.dumps(query_context),
        "dashboards": [dashboard_id],
        "description": "citygvc starter chart; NULL (a gap) = suppressed or not computable.",
    }


NOTES = """### citygvc: Kunshan vs Dongguan

Published marts, read only (`serve/citygvc.duckdb`). Sources: **asif** (firm survey,
1998-2013) and **fdi_city** (city yearbooks, 2010-2020). Gaps are values withheld by
disclosure control (`conf_status` C/D) or not computable (`obs_status` O); `obs_status` B
marks a break in series. The ECI ranking shows every city in the newest ASIF year (ECI is
standardised within a year). SQL Lab has the ready queries of `bi/sql/` as saved queries
("citygvc: ..."), including any city's profile."""


def position_json(charts: list[tuple[int, str]]) -> dict:
    """Notes on top, the two line charts full width, the segment mixes side by side, then the
    ECI ranking full width."""
    layout: dict[str, Any] = {
        "DASHBOARD_VERSION_KEY": "v2",
        "ROOT_ID": {"type": "ROOT", "id": "ROOT_ID", "children": ["GRID_ID"]},
        "GRID_ID": {"type": "GRID", "id": "GRID_ID", "children": [], "parents": ["ROOT_ID"]},
        "HEADER_ID": {
            "type": "HEADER",
            "id": "HEADER_ID",
            "meta": {"text": "citygvc: Kunshan vs Dongguan"},
        },
    }
    notes = ("MARKDOWN", "MARKDOWN-notes", {"code": NOTES, "width": 12, "height": 30})
    items = [
        ("CHART", f"CHART-{chart_id}", {"chartId": chart_id, "sliceName": name})
        for chart_id, name in charts
    ]
    for item in (*items[:2], *items[4:]):
        item[2].update(width=12, height=60)
    for item in items[2:4]:
        item[2].update(width=6, height=60)
    rows = [[notes], items[:1], items[1:2], items[2:4], items[4:]]
    for index, row in enumerate(row for row in rows if row):
        row_id = f"ROW-{index}"
        layout["GRID_ID"]["children"].append(row_id)
        layout[row_id] = {
            "type": "ROW",
            "id": row_id,
            "children": [item_id for _, item_id, _ in row],
            "parents": ["ROOT_ID", "GRID_ID"],
            "meta": {"background": "BACKGROUND_TRANSPARENT"},
        }
        for kind, item_id, meta in row:
            layout[item_id] = {
                "type": kind,
                "id": item_id,
                "children": [],
                "parents": ["ROOT_ID", "GRID_ID", row_id],
                "meta": meta,
            }
    return layout


def ensure_dashboard(api: Superset, dataset_id: int) -> int:
    title = "citygvc: Kunshan vs Dongguan"
    dashboard_id = api.upsert(
        "dashboard",
        "slug",
        {"slug": DASHBOARD_SLUG, "dashboard_title": title, "published": True},
    )
    charts = []
    for spec in chart_specs():
        body = chart_body(spec, dataset_id, dashboard_id)
        charts.append((api.upsert("chart", "slice_name", body), spec["name"]))
    # Charts an older version of this script put on the dashboard leave it (they are kept).
    current = {chart_id for chart_id, _ in charts}
    for chart in api.get(f"/api/v1/dashboard/{dashboard_id}/charts")["result"]:
        if chart["id"] not in current:
            api.put(f"/api/v1/chart/{chart['id']}", {"dashboards": []})
    api.put(
        f"/api/v1/dashboard/{dashboard_id}",
        {
            "dashboard_title": title,
            "position_json": json.dumps(position_json(charts)),
            "json_metadata": json.dumps({"refresh_frequency": 0, "color_scheme": ""}),
        },
    )
    return dashboard_id


def main() -> int:
    base = f"http://127.0.0.1:{os.environ.get('SUPERSET_PORT', '8088')}"
    data_dir = Path(os.environ.get("CITYGVC_DATA_DIR", "data")).resolve()
    server_pid = os.environ.get("SUPERSET_SERVER_PID")
    wait_until_up(base, int(server_pid) if server_pid else None)
    api = Superset(
        base,
        os.environ.get("SUPERSET_ADMIN_USER", "admin"),
        (Path(os.environ["SUPERSET_HOME"]) / "admin_password").read_text().rstrip("\n"),
    )
    db_id = ensure_database(api, data_dir)
    saved = ensure_saved_queries(api, db_id)
    dataset_id = ensure_datasets(api, db_id, table_comments(data_dir))
    dashboard_id = ensure_dashboard(api, dataset_id)
    print(
        f"[superset] registered database {db_id} ({served_uri(data_dir)}), {len(saved)} saved "
        f"queries, dashboard {base}/superset/dashboard/{DASHBOARD_SLUG}/ (id {dashboard_id})",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
