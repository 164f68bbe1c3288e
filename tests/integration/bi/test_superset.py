"""`make superset` end to end: bi/superset/setup.sh installs Superset 6.1 in its own venv, starts
it on 127.0.0.1, registers the published marts read only with saved queries and the starter
dashboard; driven here through Superset's REST API and checked against the marts. Then a new
publish while Superset runs: its next query sees the new set."""

from __future__ import annotations

import json
import os
import shutil
import signal
import stat
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
import requests

from orchestration.settings import Settings
from orchestration.warehouse.publish import SERVED_DB
from tests.helpers import free_port
from tests.integration.bi.bi_helpers import (
    BI_DIR,
    DONGGUAN,
    KUNSHAN,
    SQL_DIR,
    publish,
)

# Fresh CI machine: ~2.5 min install + ~1 min metadata init + ~30 s start.
STARTUP_TIMEOUT = 900
HEADLINE = (
    "select city_code, year, source, value from marts.fct_city_indicators "
    "where indicator_id = 'ict_share_mfg_output' and breakdown = 'total' "
    f"and city_code in ('{KUNSHAN}', '{DONGGUAN}') order by city_code, year, source"
)


def _login(http: requests.Session, base: str, password: str) -> requests.Response:
    return http.post(
        f"{base}/api/v1/security/login",
        json={"username": "admin", "password": password, "provider": "db"},
        timeout=60,
    )


class Api:
    def __init__(self, base: str, password: str) -> None:
        self.base = base
        self.http = requests.Session()
        login = _login(self.http, base, password)
        login.raise_for_status()
        self.http.headers["Authorization"] = f"Bearer {login.json()['access_token']}"
        csrf = self.get("/api/v1/security/csrf_token/")["result"]
        self.http.headers.update({"X-CSRFToken": csrf, "Referer": base})

    def get(self, path: str) -> dict:
        response = self.http.get(self.base + path, timeout=120)
        response.raise_for_status()
        return response.json()

    def sql(self, database_id: int, sql: str, template_params: str | None = None) -> dict:
        response = self.http.post(
            f"{self.base}/api/v1/sqllab/execute/",
            json={
                "database_id": database_id,
                "sql": sql,
                "schema": "marts",
                "runAsync": False,
                "templateParams": template_params,
            },
            timeout=180,
        )
        return {"status_code": response.status_code, **response.json()}


@pytest.fixture(scope="module")
def superset(
    demo_run: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Api, Path, Path]]:
    """setup.sh (what `make superset` runs) on a free port, over a copy of the demo publish
    (the last test publishes into it); stopped (its whole process group) at the end."""
    data = tmp_path_factory.mktemp("superset") / "data"
    shutil.copytree(demo_run / "serve", data / "serve", symlinks=True)
    port = free_port()
    log_path = data.parent / "setup.log"
    env = {
        # without a password of the caller's: setup.sh generates one, as on a first install
        **{k: v for k, v in os.environ.items() if k != "SUPERSET_ADMIN_PASSWORD"},
        "CITYGVC_DATA_DIR": str(data),
        "SUPERSET_HOME": str(data / "superset"),
        "SUPERSET_PORT": str(port),
    }
    with log_path.open("w") as log:
        process = subprocess.Popen(
            ["bash", str(BI_DIR / "superset" / "setup.sh")],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while "[superset] ready:" not in log_path.read_text():
            assert process.poll() is None, log_path.read_text()[-5000:]
            assert time.monotonic() < deadline, log_path.read_text()[-5000:]
            time.sleep(2)
        # the password setup.sh generated on this first run (bi/superset/credentials.sh)
        password = (data / "superset" / "admin_password").read_text().rstrip("\n")
        yield Api(f"http://127.0.0.1:{port}", password), data, log_path
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)


def _database(api: Api) -> dict:
    databases = api.get("/api/v1/database/")["result"]
    assert [d["database_name"] for d in databases] == ["citygvc marts"]
    return api.get(f"/api/v1/database/{databases[0]['id']}/connection")["result"]


def _rows(result: dict) -> list[list]:
    assert result["status_code"] == 200, result
    names = [c["column_name"] for c in result["columns"]]
    return [[row[n] for n in names] for row in result["data"]]


@pytest.mark.slow
def test_superset_serves_the_published_marts_read_only(superset: tuple[Api, Path, Path]) -> None:
    api, data, log_path = superset
    # no known password: the generated one was printed once and is kept owner-only
    password_file = data / "superset" / "admin_password"
    assert stat.S_IMODE(password_file.stat().st_mode) == 0o600
    assert log_path.read_text().count(password_file.read_text().rstrip("\n")) == 1
    assert _login(requests.Session(), api.base, "admin").status_code == 401
    served = data / "serve" / SERVED_DB
    database = _database(api)
    assert database["sqlalchemy_uri"].startswith(f"duckdb:///{served}?access_mode=read_only")
    assert database["expose_in_sqllab"] and not database["allow_dml"]
    with duckdb.connect(str(served), read_only=True) as con:
        expected = [list(r) for r in con.execute(HEADLINE).fetchall()]

    assert _rows(api.sql(database["id"], HEADLINE)) == expected and len(expected) >= 4

    # nothing can be written, and DuckDB cannot reach other files on the server
    for statement in (
        "create table marts.scratch as select 1 as x",
        "select * from read_csv('/etc/passwd')",
    ):
        assert api.sql(database["id"], statement)["status_code"] >= 400, statement


@pytest.mark.slow
def test_saved_queries_and_starter_dashboard(superset: tuple[Api, Path, Path]) -> None:
    api, data, _ = superset
    database_id = _database(api)["id"]
    saved = {
        q["label"]: api.get(f"/api/v1/saved_query/{q['id']}")["result"]
        for q in api.get("/api/v1/saved_query/")["result"]
    }
    assert sorted(saved) == sorted(
        f"citygvc: {p.stem.replace('_', ' ')}" for p in SQL_DIR.glob("*.sql")
    )
    for label, query in saved.items():
        result = api.sql(database_id, query["sql"], query.get("template_parameters"))
        assert result["status_code"] == 200 and result["data"], (label, result)

    # the profile's city is a template parameter: Dongguan as saved, any city when changed
    profile = saved["citygvc: city profile"]
    kunshan = api.sql(database_id, profile["sql"], json.dumps({"city_code": KUNSHAN}))
    assert {row["city"] for row in kunshan["data"]} == {"Kunshan"}
    with duckdb.connect(str(data / "serve" / SERVED_DB), read_only=True) as con:
        con.execute("set variable city_code = ?", [KUNSHAN])
        cursor = con.execute((SQL_DIR / "city_profile.sql").read_text())
        names = [d[0] for d in cursor.description]
        direct = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    assert [r["ict_share_mfg_output"] for r in kunshan["data"]] == [
        r["ict_share_mfg_output"] for r in direct
    ]

    # the dbt description of a mart reaches its Superset dataset
    with duckdb.connect(str(data / "serve" / SERVED_DB), read_only=True) as con:
        comment = con.execute(
            "select comment from duckdb_tables() where table_name = 'fct_city_indicators'"
        ).fetchone()[0]
    dataset_id = next(
        d["id"]
        for d in api.get("/api/v1/dataset/")["result"]
        if d["table_name"] == "fct_city_indicators"
    )
    assert comment and api.get(f"/api/v1/dataset/{dataset_id}")["result"]["description"] == (
        comment.strip()
    )

    dashboard = api.get("/api/v1/dashboard/citygvc")["result"]
    charts = api.get(f"/api/v1/dashboard/{dashboard['id']}/charts")["result"]
    assert len(charts) == 5
    share_chart = next(c for c in charts if c["slice_name"].startswith("ICT share"))
    chart_data = api.get(f"/api/v1/chart/{share_chart['id']}/data/")["result"][0]["data"]
    with duckdb.connect(str(data / "serve" / SERVED_DB), read_only=True) as con:
        expected = con.execute(
            "select i.year, c.name_en, i.source, i.value from marts.fct_city_indicators i "
            "join marts.dim_city c using (city_code) where i.indicator_id = "
            "'ict_share_mfg_output' and i.breakdown = 'total' "
            f"and i.city_code in ('{KUNSHAN}', '{DONGGUAN}') order by all"
        ).fetchall()
    got = sorted((r["year"], r["city"], r["source"], r["value"]) for r in chart_data)
    assert got == [tuple(r) for r in expected]

    # the ECI ranking: every city's ECI in the newest ASIF year, highest first
    ranking = next(c for c in charts if c["slice_name"].startswith("ECI ranking"))
    ranking_data = api.get(f"/api/v1/chart/{ranking['id']}/data/")["result"][0]["data"]
    with duckdb.connect(str(data / "serve" / SERVED_DB), read_only=True) as con:
        expected = con.execute(
            "select c.name_en, i.value from marts.fct_city_indicators i "
            "join marts.dim_city c using (city_code) where i.indicator_id = 'eci' "
            "and i.breakdown = 'total' and i.source = 'asif' and i.year = ("
            "select max(year) from marts.fct_city_indicators "
            "where indicator_id = 'eci' and breakdown = 'total' and source = 'asif') "
            "order by i.value desc nulls last, c.name_en"
        ).fetchall()
    assert len(expected) > 2
    assert [(r["city"], r["value"]) for r in ranking_data] == [tuple(r) for r in expected]


@pytest.mark.slow
def test_a_new_publish_reaches_superset_without_restart(
    superset: tuple[Api, Path, Path], tmp_path: Path
) -> None:
    api, data, _ = superset
    database_id = _database(api)["id"]
    before = _rows(api.sql(database_id, HEADLINE))
    # the next publish: the same marts with every indicator value halved
    served = data / "serve" / SERVED_DB
    settings = Settings.from_env({"CITYGVC_DATA_DIR": str(data)})
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as con:
        con.execute(f"attach '{served}' as current (read_only)")
        con.execute("create schema marts")
        for (table,) in con.execute(
            "select table_name from duckdb_tables() where database_name = 'current'"
        ).fetchall():
            con.execute(f"create table marts.{table} as from current.marts.{table}")
        con.execute("update marts.fct_city_indicators set value = value / 2")
        con.execute("detach current")
        publish(settings, con, "halved")

    after = _rows(api.sql(database_id, HEADLINE))

    assert [r[:3] for r in after] == [r[:3] for r in before]
    assert [r[3] for r in after] == [pytest.approx(r[3] / 2) for r in before]
