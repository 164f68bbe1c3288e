"""Catalog validation (every rule of docs/catalog.md) and the directory, file:// and HTTP
clients."""

from __future__ import annotations

import copy
import hashlib
import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from orchestration.ingest.catalog import (
    CatalogError,
    FetchError,
    HttpSource,
    open_catalog,
    validate_catalog,
)

SHA_A = "a" * 64
SHA_B = "b" * 64


def entry(release_id: str = "asif-2007-r1", **changes: Any) -> dict[str, Any]:
    base = {
        "release_id": release_id,
        "dataset": "asif",
        "period": 2007,
        "revision": 1,
        "published_at": "2009-03-01",
        "provisional": False,
        "files": [
            {"path": "asif/2007/asif_2007_r1.dta", "format": "dta", "sha256": SHA_A, "bytes": 10}
        ],
        "notes": "free text",
        "unknown_key": "ignored",
    }
    base.update(changes)
    return base


def fdi_entry(release_id: str = "fdi-2015-r1", **file_changes: Any) -> dict[str, Any]:
    file = {
        "path": "fdi/2015/441900.xlsx",
        "format": "xlsx",
        "sha256": SHA_B,
        "bytes": 5,
        "city_code": "441900",
    }
    file.update(file_changes)
    return entry(release_id, dataset="fdi_city", period=2015, files=[file])


def catalog(*entries: Any, version: Any = 1) -> dict[str, Any]:
    return {"catalog_version": version, "releases": list(entries)}


def reasons(doc: dict[str, Any], loaded: dict[str, str] | None = None) -> list[tuple]:
    _, rejections = validate_catalog(doc, loaded)
    return [(r.raw_release_id, r.reason) for r in rejections]


# Validation ------------------------------------------------------------------------------


def test_valid_entry_becomes_a_release() -> None:
    releases, rejections = validate_catalog(catalog(entry(), fdi_entry()))
    assert rejections == []
    asif, fdi = releases
    assert (asif.release_id, asif.dataset, asif.period, asif.revision) == (
        "asif-2007-r1",
        "asif",
        2007,
        1,
    )
    assert asif.files[0].city_code is None
    assert fdi.files[0].city_code == "441900"
    assert fdi.city_codes == "441900"


def test_content_sha256_is_the_sha_of_sorted_path_lines() -> None:
    files = [
        {"path": "b/2.csv", "format": "csv", "sha256": SHA_B, "bytes": 1},
        {"path": "a/1.csv", "format": "csv", "sha256": SHA_A, "bytes": 1},
    ]
    (release,), _ = validate_catalog(catalog(entry(files=files)))
    expected = hashlib.sha256(f"a/1.csv:{SHA_A}\nb/2.csv:{SHA_B}\n".encode()).hexdigest()
    assert release.content_sha256 == expected


def test_entry_json_is_canonical() -> None:
    files = [
        {"path": "b/2.csv", "format": "csv", "sha256": SHA_B, "bytes": 1},
        {"path": "a/1.csv", "format": "csv", "sha256": SHA_A.upper(), "bytes": 1},
    ]
    (one,), _ = validate_catalog(catalog(entry(files=files)))
    (two,), _ = validate_catalog(catalog(entry(files=list(reversed(files)))))
    assert one.entry_json() == two.entry_json()
    parsed = json.loads(one.entry_json())
    assert [f["path"] for f in parsed["files"]] == ["a/1.csv", "b/2.csv"]
    assert parsed["files"][0]["sha256"] == SHA_A  # normalised to lower case
    assert "unknown_key" not in parsed


@pytest.mark.parametrize(
    "bad_id",
    ["Asif-2007", "-asif", "_x", "a" * 65, "", "asif 2007", "asif/2007", "../asif", "asif.2007"],
)
def test_invalid_release_id(bad_id: str) -> None:
    assert reasons(catalog(entry(bad_id), entry("good"))) == [(bad_id, "invalid_release_id")]


def test_release_id_limits() -> None:
    releases, rejections = validate_catalog(catalog(entry("a" * 64), entry("0")))
    assert [r.release_id for r in releases] == ["a" * 64, "0"]
    assert rejections == []


def test_non_string_and_missing_id() -> None:
    bad = entry()
    del bad["release_id"]
    assert reasons(catalog(entry(7), bad)) == [("7", "invalid_release_id"), (None, "missing_field")]


def test_unknown_dataset() -> None:
    assert reasons(catalog(entry(dataset="census"))) == [("asif-2007-r1", "unknown_dataset")]


def test_unsupported_format() -> None:
    files = [{"path": "a.sav", "format": "sav", "sha256": SHA_A, "bytes": 1}]
    assert reasons(catalog(entry(files=files))) == [("asif-2007-r1", "unsupported_format")]


@pytest.mark.parametrize(
    "path",
    [
        "../outside.dta",
        "asif/../../outside.dta",
        "asif/..",
        "/etc/passwd",
        "C:/data/x.dta",
        "C:x.dta",
        "asif\\..\\..\\x.dta",
        "asif//x.dta",
        "./x.dta",
        "%2e%2e/x.dta",
        "asif/%2F..%2Fx.dta",
        "http://evil.example/x.dta",
        "asif/x.dta\x00.csv",
    ],
)
def test_paths_must_stay_inside_the_root(path: str) -> None:
    files = [{"path": path, "format": "dta", "sha256": SHA_A, "bytes": 1}]
    assert reasons(catalog(entry(files=files))) == [("asif-2007-r1", "path_outside_root")]


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("period", "2007", "invalid_field"),
        ("period", True, "invalid_field"),
        ("period", 1800, "invalid_field"),
        ("revision", -1, "invalid_field"),
        ("published_at", "March 2009", "invalid_field"),
        ("provisional", "no", "invalid_field"),
        ("files", [], "invalid_field"),
        ("files", None, "missing_field"),
        ("dataset", None, "missing_field"),
    ],
)
def test_field_types(field: str, value: Any, reason: str) -> None:
    assert reasons(catalog(entry(**{field: value}))) == [("asif-2007-r1", reason)]


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"sha256": "abc"}, "invalid_field"),
        ({"bytes": -1}, "invalid_field"),
        ({"bytes": True}, "invalid_field"),
        ({"path": ""}, "invalid_field"),
    ],
)
def test_file_fields(change: dict[str, Any], reason: str) -> None:
    file = {"path": "a.csv", "format": "csv", "sha256": SHA_A, "bytes": 1, **change}
    assert reasons(catalog(entry(files=[file]))) == [("asif-2007-r1", reason)]


def test_two_files_with_one_name_would_collide_in_landing() -> None:
    files = [
        {"path": "a/x.csv", "format": "csv", "sha256": SHA_A, "bytes": 1},
        {"path": "b/x.csv", "format": "csv", "sha256": SHA_B, "bytes": 1},
    ]
    assert reasons(catalog(entry(files=files))) == [("asif-2007-r1", "invalid_field")]


def test_fdi_files_need_a_six_digit_city_code() -> None:
    missing = fdi_entry()
    del missing["files"][0]["city_code"]
    assert reasons(catalog(missing, fdi_entry("fdi-b", city_code="44190"))) == [
        ("fdi-2015-r1", "missing_field"),
        ("fdi-b", "invalid_city_code"),
    ]


def test_non_object_entry() -> None:
    assert reasons(catalog("asif-2007-r1", entry())) == [(None, "invalid_entry")]


def test_same_id_twice_identical_is_one_release() -> None:
    releases, rejections = validate_catalog(catalog(entry(), copy.deepcopy(entry())))
    assert [r.release_id for r in releases] == ["asif-2007-r1"]
    assert rejections == []


def test_same_id_with_different_content_rejects_both() -> None:
    other = entry(revision=2)
    releases, rejections = validate_catalog(catalog(entry(), other, entry("asif-2008-r1")))
    assert [r.release_id for r in releases] == ["asif-2008-r1"]
    assert [(r.raw_release_id, r.reason) for r in rejections] == [
        ("asif-2007-r1", "duplicate_release_id"),
        ("asif-2007-r1", "duplicate_release_id"),
    ]


def test_duplicate_of_a_loaded_release_keeps_the_loaded_one() -> None:
    (loaded_release,), _ = validate_catalog(catalog(entry()))
    changed_files = [{"path": "asif/2007/new.dta", "format": "dta", "sha256": SHA_B, "bytes": 3}]
    doc = catalog(entry(files=changed_files), entry())
    releases, rejections = validate_catalog(doc, {"asif-2007-r1": loaded_release.content_sha256})
    assert releases == [loaded_release]
    assert [(r.raw_release_id, r.reason) for r in rejections] == [
        ("asif-2007-r1", "duplicate_release_id")
    ]


def test_loaded_release_whose_files_changed_is_mutated() -> None:
    (loaded_release,), _ = validate_catalog(catalog(entry()))
    changed = entry(files=[{**entry()["files"][0], "sha256": SHA_B}])
    loaded = {"asif-2007-r1": loaded_release.content_sha256}
    releases, rejections = validate_catalog(catalog(changed, entry("asif-2008-r1")), loaded)
    assert [r.release_id for r in releases] == ["asif-2008-r1"]
    assert [(r.raw_release_id, r.reason) for r in rejections] == [
        ("asif-2007-r1", "release_mutated")
    ]


def test_loaded_release_with_new_notes_only_is_not_mutated() -> None:
    (loaded_release,), _ = validate_catalog(catalog(entry()))
    loaded = {"asif-2007-r1": loaded_release.content_sha256}
    releases, rejections = validate_catalog(catalog(entry(notes="corrected note")), loaded)
    assert [r.release_id for r in releases] == ["asif-2007-r1"]
    assert rejections == []


@pytest.mark.parametrize("version", [2, "1", True, None, 1.5])
def test_catalog_version_other_than_1_rejects_the_catalog(version: Any) -> None:
    with pytest.raises(CatalogError, match="catalog_version"):
        validate_catalog(catalog(entry(), version=version))


def test_releases_must_be_a_list() -> None:
    with pytest.raises(CatalogError, match="releases"):
        validate_catalog({"catalog_version": 1, "releases": {"a": 1}})


# Directory and file:// sources -----------------------------------------------------------


def _write_root(root: Path, doc: Any = None, raw: bytes | None = None) -> None:
    root.mkdir(parents=True, exist_ok=True)
    (root / "asif").mkdir(exist_ok=True)
    (root / "asif" / "data.csv").write_bytes(b"x,y\n1,2\n")
    payload = raw if raw is not None else json.dumps(doc or catalog(entry())).encode()
    (root / "catalog.json").write_bytes(payload)


@pytest.mark.parametrize("form", ["path", "file_url", "catalog_file"])
def test_directory_source_reads_and_fetches(tmp_path: Path, form: str) -> None:
    root = tmp_path / "releases"
    _write_root(root)
    location = {
        "path": str(root),
        "file_url": root.as_uri(),
        "catalog_file": str(root / "catalog.json"),
    }[form]
    source = open_catalog(location)
    assert source.read_catalog()["releases"][0]["release_id"] == "asif-2007-r1"
    dest = tmp_path / "out"
    source.fetch_file("asif/data.csv", dest)
    assert dest.read_bytes() == b"x,y\n1,2\n"
    assert str(root) in source.describe()


def test_malformed_catalog_json(tmp_path: Path) -> None:
    _write_root(tmp_path, raw=b'{"catalog_version": 1, "releases": [')
    with pytest.raises(CatalogError, match="invalid JSON"):
        open_catalog(str(tmp_path)).read_catalog()


def test_unsupported_version_in_file(tmp_path: Path) -> None:
    _write_root(tmp_path, doc=catalog(entry(), version=2))
    with pytest.raises(CatalogError, match="catalog_version 2"):
        open_catalog(str(tmp_path)).read_catalog()


def test_missing_directory_is_unreachable(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match="cannot read"):
        open_catalog(str(tmp_path / "nowhere")).read_catalog()


def test_directory_fetch_errors(tmp_path: Path) -> None:
    root = tmp_path / "root"
    _write_root(root)
    secret = tmp_path / "secret.txt"
    secret.write_text("licensed")
    (root / "asif" / "link.csv").symlink_to(secret)
    source = open_catalog(str(root))
    with pytest.raises(FetchError, match="not found"):
        source.fetch_file("asif/missing.csv", tmp_path / "o1")
    with pytest.raises(FetchError, match="outside the catalog root"):
        source.fetch_file("asif/link.csv", tmp_path / "o2")
    with pytest.raises(FetchError):
        source.fetch_file("../secret.txt", tmp_path / "o3")


def test_fetch_stops_one_byte_past_max_bytes(tmp_path: Path) -> None:
    _write_root(tmp_path / "root")
    dest = tmp_path / "out"
    open_catalog(str(tmp_path / "root")).fetch_file("asif/data.csv", dest, max_bytes=3)
    assert dest.read_bytes() == b"x,y\n"


# HTTP source -------------------------------------------------------------------------------


class _Server:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.failures: dict[str, int] = {}  # path -> number of 503s still to send
        self.hits: dict[str, int] = {}
        server = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            def __init__(self, *args: Any, **kwargs: Any) -> None:
                super().__init__(*args, directory=str(server.root), **kwargs)

            def do_GET(self) -> None:
                server.hits[self.path] = server.hits.get(self.path, 0) + 1
                if server.failures.get(self.path, 0) > 0:
                    server.failures[self.path] -= 1
                    self.send_error(503, "try later")
                    return
                super().do_GET()

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[_Server]:
    root = tmp_path / "served"
    _write_root(root)
    srv = _Server(root)
    yield srv
    srv.close()


def _http(url: str, retries: int = 3) -> HttpSource:
    source = open_catalog(url, retries=retries, backoff=0.01, timeout=5)
    assert isinstance(source, HttpSource)
    return source


def test_http_reads_catalog_and_streams_files(server: _Server, tmp_path: Path) -> None:
    source = _http(server.url)
    assert source.read_catalog()["catalog_version"] == 1
    dest = tmp_path / "data.csv"
    source.fetch_file("asif/data.csv", dest)
    assert dest.read_bytes() == b"x,y\n1,2\n"
    assert source.describe() == server.url


def test_http_url_naming_catalog_json(server: _Server) -> None:
    assert _http(server.url + "catalog.json").read_catalog()["catalog_version"] == 1


def test_http_404_is_a_clear_error_naming_the_url(server: _Server, tmp_path: Path) -> None:
    source = _http(server.url)
    with pytest.raises(FetchError, match=r"asif/none\.csv: HTTP 404"):
        source.fetch_file("asif/none.csv", tmp_path / "x")
    assert server.hits["/asif/none.csv"] == 1  # a 4xx is not retried
    with pytest.raises(CatalogError, match=r"catalog\.json: HTTP 404"):
        _http(server.url + "nothing/").read_catalog()


def test_http_retries_transient_503(server: _Server, tmp_path: Path) -> None:
    server.failures["/asif/data.csv"] = 2
    source = _http(server.url)
    dest = tmp_path / "data.csv"
    source.fetch_file("asif/data.csv", dest)
    assert dest.read_bytes() == b"x,y\n1,2\n"
    assert server.hits["/asif/data.csv"] == 3


def test_http_gives_up_after_retries(server: _Server) -> None:
    server.failures["/catalog.json"] = 10
    with pytest.raises(CatalogError, match="unreachable"):
        _http(server.url, retries=2).read_catalog()
    assert server.hits["/catalog.json"] == 3


def test_http_connection_refused_is_unreachable(server: _Server) -> None:
    url = server.url
    server.close()
    with pytest.raises(CatalogError, match="unreachable"):
        _http(url, retries=1).read_catalog()


def test_http_malformed_catalog(server: _Server) -> None:
    (server.root / "catalog.json").write_text("not json")
    with pytest.raises(CatalogError, match="invalid JSON"):
        _http(server.url).read_catalog()
