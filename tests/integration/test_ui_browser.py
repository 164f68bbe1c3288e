"""The Dagster UI in a real browser (issue 8): start `dagster-webserver` on 127.0.0.1, open the
asset graph and a mart's page in headless Debian Chromium, and check that the marts and their
checks render; the screenshots are kept under data/test-artifacts/ui/. Before the server starts,
the instance records a publish whose metadata comes from orchestration.defs.publish.metadata on
hand-made marts, and a check result, so the test also sees the headline table and plot as a
monitor does.
The GraphQL API of the same server shows the asset graph connects raw → staging →
intermediate → marts → serve and that the schedule and sensors are on.

The browser is driven over the Chrome DevTools Protocol with the `websockets` client that the
webserver already depends on (no Selenium, no downloaded browser build).
"""

from __future__ import annotations

import base64
import itertools
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import deque
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from orchestration.defs.publish.asset import mart_docs
from orchestration.defs.publish.metadata import data_quality_metadata, headline_metadata
from orchestration.settings import REPO_ROOT, Settings
from tests.unit.defs.test_monitoring import build_marts

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = REPO_ROOT / "data" / "test-artifacts" / "ui"
# Flags that let Debian's Chromium run headless as root without network side trips (issue 8).
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1600,1000",
)
MART = ("marts", "fct_city_indicators")
MART_CHECKS = ("gx_mart_fct_city_indicators",)
PUBLISHED = ("serve", "published_marts")

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait(predicate, timeout: float, what: str, interval: float = 0.5):
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = predicate()
        except (requests.ConnectionError, OSError):
            value = None
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(interval)


def _stop(process: subprocess.Popen) -> None:
    """Stop a process started here and its children (its own session/process group)."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


class Webserver:
    def __init__(self, url: str) -> None:
        self.url = url

    def graphql(self, query: str) -> dict:
        response = requests.post(f"{self.url}/graphql", json={"query": query}, timeout=60)
        response.raise_for_status()
        body = response.json()
        assert "errors" not in body, body["errors"]
        return body["data"]


LOCATIONS = """
{ workspaceOrError { ... on Workspace { locationEntries {
    name loadStatus
    locationOrLoadError {
      __typename
      ... on PythonError { message }
      ... on RepositoryLocation { repositories {
        schedules { name scheduleState { status } }
        sensors { name sensorState { status } }
      } }
    }
} } } }
"""


def _record_history(settings: Settings, workdir: Path) -> None:
    """What a monitor finds after a publish: the publish asset's materialization with the
    monitoring metadata (from hand-made marts) and a passed GX check on the mart."""
    import duckdb
    from dagster import (
        AssetCheckEvaluation,
        AssetCheckSeverity,
        AssetKey,
        AssetMaterialization,
        DagsterInstance,
    )

    marts = build_marts(workdir / "hand.duckdb")
    with duckdb.connect(str(marts), read_only=True) as con:
        metadata = {
            **headline_metadata(con, settings),
            **data_quality_metadata(con, ["asif-2009-r1"]),
        }
    # Relative storage paths in the instance config resolve against the working directory.
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(workdir)
        patch.setenv("DAGSTER_HOME", str(settings.dagster_home))
        with DagsterInstance.get() as instance:
            instance.report_runless_asset_event(
                AssetMaterialization(asset_key=AssetKey(list(PUBLISHED)), metadata=metadata)
            )
            instance.report_runless_asset_event(
                AssetCheckEvaluation(
                    asset_key=AssetKey(list(MART)),
                    check_name=MART_CHECKS[0],
                    passed=True,
                    severity=AssetCheckSeverity.ERROR,
                    metadata={"suite": "mart_fct_city_indicators", "success_percent": 100.0},
                )
            )


@pytest.fixture(scope="module")
def webserver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Webserver]:
    """`dagster-webserver` on a free port with its own DAGSTER_HOME and data dir; the code
    location needs the dbt manifest (`make test` prepares it first)."""
    root = tmp_path_factory.mktemp("ui")
    settings = Settings.from_env({"CITYGVC_DATA_DIR": str(root / "data")})
    settings.prepare()
    _record_history(settings, root)
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    port = _free_port()
    env = {
        **os.environ,
        "CITYGVC_DATA_DIR": str(settings.data_dir),
        "DAGSTER_HOME": str(settings.dagster_home),
        "PYTHONPATH": str(REPO_ROOT),
        "DAGSTER_DISABLE_TELEMETRY": "true",
    }
    log = (root / "webserver.log").open("w")
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "dagster-webserver"),
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
            "-m",
            "orchestration.definitions",
        ],
        # Relative storage paths in the instance config resolve against the working
        # directory: keep them inside the temporary folder.
        cwd=root,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    server = Webserver(f"http://127.0.0.1:{port}")
    try:

        def loaded() -> bool:
            if process.poll() is not None:
                raise RuntimeError(f"webserver exited: {(root / 'webserver.log').read_text()}")
            entries = server.graphql(LOCATIONS)["workspaceOrError"]["locationEntries"]
            return bool(entries) and all(e["loadStatus"] == "LOADED" for e in entries)

        _wait(loaded, 180, "the webserver and its code location")
        yield server
    finally:
        _stop(process)
        log.close()


class Browser:
    """Headless Chromium driven over the DevTools protocol (one page)."""

    def __init__(self, profile: Path) -> None:
        from websockets.sync.client import connect

        assert CHROMIUM.exists(), (
            "Debian's chromium is missing: `make test` installs it (APT_PACKAGES), or run "
            "`apt-get install -y chromium chromium-driver`"
        )
        # Chromium's singleton folder goes to TMPDIR and outlives a stopped browser: a short
        # folder of the browser's own (a Unix socket path has at most 108 bytes), removed
        # when it closes
        self.temp = Path(tempfile.mkdtemp(prefix="citygvc-chromium-"))
        self.process = subprocess.Popen(
            [
                str(CHROMIUM),
                *CHROMIUM_FLAGS,
                f"--user-data-dir={profile}",
                "--remote-debugging-address=127.0.0.1",
                "--remote-debugging-port=0",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            env={**os.environ, "TMPDIR": str(self.temp)},
        )
        try:
            port_file = profile / "DevToolsActivePort"
            port = _wait(
                lambda: port_file.exists() and port_file.read_text().split()[0],
                60,
                "chromium's DevTools port",
            )
            targets = _wait(
                lambda: [
                    t
                    for t in requests.get(f"http://127.0.0.1:{port}/json/list", timeout=5).json()
                    if t["type"] == "page"
                ],
                30,
                "a chromium page",
            )
            self.socket = connect(targets[0]["webSocketDebuggerUrl"], max_size=None)
        except BaseException:
            self.close()
            raise
        self._ids = itertools.count(1)
        self.console_errors: list[str] = []
        self.call("Page.enable")
        self.call("Runtime.enable")

    def call(self, method: str, **params) -> dict:
        message_id = next(self._ids)
        self.socket.send(json.dumps({"id": message_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv(timeout=120))
            if message.get("method") == "Runtime.exceptionThrown":
                details = message["params"]["exceptionDetails"]
                self.console_errors.append(details.get("text", "") + str(details.get("exception")))
            if message.get("id") == message_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message["result"]

    def text(self) -> str:
        result = self.call(
            "Runtime.evaluate",
            expression="document.body ? document.body.innerText : ''",
            returnByValue=True,
        )
        return result["result"].get("value", "")

    def open(self, url: str, expected: tuple[str, ...], timeout: float = 90) -> str:
        """Navigate and wait until every expected string is in the page's visible text and
        nothing is still loading; on timeout keep a screenshot of what the page showed."""
        self.call("Page.navigate", url=url)
        seen = {"text": ""}

        def rendered() -> str | None:
            text = seen["text"] = self.text()
            done = all(s in text for s in expected) and "Loading" not in text
            return text if done else None

        try:
            return _wait(rendered, timeout, f"{expected} on {url}", interval=1)
        except TimeoutError as exc:
            shot = self.screenshot(ARTIFACTS / "failed-page.png")
            missing = [s for s in expected if s not in seen["text"]]
            raise AssertionError(
                f"{exc}; missing {missing}; page text: {seen['text'][:1500]!r}; see {shot}"
            ) from None

    def screenshot(self, path: Path) -> Path:
        data = self.call("Page.captureScreenshot", format="png")["data"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))
        print(f"screenshot: {path}")
        return path

    def close(self) -> None:
        if hasattr(self, "socket"):
            self.socket.close()
        _stop(self.process)
        shutil.rmtree(self.temp, ignore_errors=True)


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Browser]:
    profile = tmp_path / "chromium-profile"
    profile.mkdir()
    chromium = Browser(profile)
    yield chromium
    chromium.close()


def _expected_marts_and_checks(data_dir: Path) -> tuple[list[str], list[str]]:
    """The mart assets and the checks on MART as the code location defines them."""
    from orchestration.definitions import build_definitions

    defs = build_definitions(Settings.from_env({"CITYGVC_DATA_DIR": str(data_dir)}))
    graph = defs.resolve_asset_graph()
    marts = sorted(k.path[1] for k in graph.get_all_asset_keys() if k.path[0] == "marts")
    checks = sorted(c.name for c in graph.asset_check_keys if tuple(c.asset_key.path) == MART)
    return marts, checks


def test_asset_graph_and_mart_page_render_in_chromium(
    webserver: Webserver, browser: Browser, tmp_path: Path
) -> None:
    marts, checks = _expected_marts_and_checks(tmp_path / "data")
    assert MART[1] in marts and set(MART_CHECKS) <= set(checks)
    browser.open(
        f"{webserver.url}/asset-groups", ("ingest", "staging", "intermediate", "marts", "publish")
    )
    browser.screenshot(ARTIFACTS / "asset-graph.png")

    # The marts group: its lineage draws only the nodes in view, its list names every mart.
    location = webserver.graphql(LOCATIONS)["workspaceOrError"]["locationEntries"][0]["name"]
    group = f"{webserver.url}/locations/__repository__@{location}/asset-groups/marts"
    browser.open(group, ("Asset checks", "dbt"))
    browser.screenshot(ARTIFACTS / "marts-lineage.png")
    listing = browser.open(f"{group}/list", tuple(marts))
    browser.screenshot(ARTIFACTS / "marts-list.png")
    # each mart carries its dbt description
    for name, doc in mart_docs().items():
        assert doc["description"].split("\n")[0][:60] in listing, name

    # The checks tab lists every check of the mart (the list is virtualised: names sorted
    # after the visible rows are not in the DOM, so count them via the tab's header); the GX
    # check shows its recorded result and GX metadata.
    page = browser.open(
        f"{webserver.url}/assets/{'/'.join(MART)}?view=checks&checkDetail={MART_CHECKS[0]}",
        (MART[1], f"Checks ({len(checks)})", *MART_CHECKS, "Succeeded", "success_percent"),
    )
    browser.screenshot(ARTIFACTS / "fct_city_indicators-checks.png")
    assert "blocking" in page
    assert not browser.console_errors, browser.console_errors


def test_publish_page_shows_the_headline_table_and_plot(
    webserver: Webserver, browser: Browser
) -> None:
    page = browser.open(
        f"{webserver.url}/assets/{'/'.join(PUBLISHED)}",
        ("headline", "Kunshan (320583)", "Dongguan (441900)", "data_quality", "asif-2009-r1"),
    )
    # the hand marts' values, as the markdown table renders them
    assert "65.0 % (A)" in page and "26.0 % (A)" in page
    # the plot is long markdown: the UI offers it behind "Show Markdown"; open it and wait
    # until the embedded PNG has decoded
    browser.call(
        "Runtime.evaluate",
        expression="Array.from(document.querySelectorAll('button, a, span'))"
        ".filter(e => (e.innerText || '').trim() === '[Show Markdown]')"
        ".forEach(e => e.click())",
    )
    widths = _wait(
        lambda: browser.call(
            "Runtime.evaluate",
            expression="Array.from(document.images).filter(i => i.src.startsWith("
            "'data:image/png')).map(i => i.naturalWidth)",
            returnByValue=True,
        )["result"]["value"],
        30,
        "the headline plot to render",
    )
    time.sleep(1)  # let the dialog finish fading in before the screenshot
    browser.screenshot(ARTIFACTS / "published_marts-headline.png")
    assert widths and all(w > 300 for w in widths), widths


ASSET_NODES = """
{ assetNodes {
    assetKey { path } groupName
    dependencyKeys { path }
    assetChecksOrError { __typename ... on AssetChecks { checks { name blocking } } }
} }
"""


LAYERS = ("raw", "staging", "intermediate", "marts", "serve")


def _layered_path(nodes: list[dict], start: str, goal: str) -> list[str]:
    """A downstream path from `start` to `goal` that only ever stays in a layer or moves to
    the next one (raw → staging → intermediate → marts → serve), so it passes every layer."""
    children: dict[str, list[str]] = {}
    for node in nodes:
        key = "/".join(node["assetKey"]["path"])
        for parent in node["dependencyKeys"]:
            children.setdefault("/".join(parent["path"]), []).append(key)

    def layer(key: str) -> int:
        prefix = key.split("/")[0]
        return LAYERS.index(prefix) if prefix in LAYERS else -1

    queue, seen = deque([[start]]), {start}
    while queue:
        path = queue.popleft()
        if path[-1] == goal:
            return path
        for child in sorted(children.get(path[-1], [])):
            step = layer(child) - layer(path[-1])
            if child not in seen and layer(child) >= 0 and step in (0, 1):
                seen.add(child)
                queue.append([*path, child])
    return []


def test_graphql_asset_graph_connects_every_layer(webserver: Webserver) -> None:
    nodes = webserver.graphql(ASSET_NODES)["assetNodes"]
    by_key = {"/".join(n["assetKey"]["path"]): n for n in nodes}
    for raw in ("raw/asif", "raw/fdi_city"):
        path = _layered_path(nodes, raw, "serve/published_marts")
        assert path, f"no raw → staging → intermediate → marts → serve path from {raw}"
        assert [layer for layer, _ in itertools.groupby(k.split("/")[0] for k in path)] == list(
            LAYERS
        )
    assert "/".join(MART) in {
        "/".join(k["path"]) for k in by_key["serve/published_marts"]["dependencyKeys"]
    }
    assert {n["groupName"] for k, n in by_key.items() if k.startswith("marts/")} == {"marts"}
    assert by_key["raw/asif"]["groupName"] == "ingest"
    assert by_key["serve/published_marts"]["groupName"] == "publish"
    checks = by_key["/".join(MART)]["assetChecksOrError"]["checks"]
    names = {c["name"]: c["blocking"] for c in checks}
    assert all(names.get(name) is True for name in MART_CHECKS), names


def test_graphql_schedule_and_sensors_are_running(webserver: Webserver) -> None:
    entries = webserver.graphql(LOCATIONS)["workspaceOrError"]["locationEntries"]
    (repository,) = entries[0]["locationOrLoadError"]["repositories"]
    schedules = {s["name"]: s["scheduleState"]["status"] for s in repository["schedules"]}
    sensors = {s["name"]: s["sensorState"]["status"] for s in repository["sensors"]}
    assert schedules["daily_refresh"] == "RUNNING"
    assert sensors["release_catalog_sensor"] == "RUNNING"
    assert sensors["run_failure_alert_sensor"] == "RUNNING"
