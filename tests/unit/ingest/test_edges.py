"""Safe by default at the edges: size caps of catalog files (CITYGVC_MAX_FILE_BYTES,
CITYGVC_MAX_RELEASE_BYTES) for directory and HTTP catalogs, downloads cut off at the declared
size whatever the server sends, redirects only within the catalog's scheme, host and port, TLS
certificates always verified, and timeouts on every request. Real sockets: a threaded
http.server on 127.0.0.1 (a second one on another port is "another host")."""

from __future__ import annotations

import functools
import ipaddress
import json
import ssl
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from orchestration.ingest.catalog import CatalogError, HttpSource, open_catalog, sources
from orchestration.ingest.load import IngestOutcome, ingest_release
from orchestration.settings import DEFAULT_MAX_FILE_BYTES, Settings
from tests.helpers import HAND_FIRMS, Warehouse, hand_csv, make_settings

RELEASE = "asif-2005-r1"
CSV_PATH = "asif/2005/asif_2005_r1.csv"
DATA = hand_csv(2005)
ENDLESS_BYTES = 256 * 2**20  # what an endless response sends at most before giving up


class Server:
    """The folder `root` over HTTP (or HTTPS with `tls`), counting hits per path; paths in
    `redirects` answer 302 to their target, paths in `endless` stream zeros without a
    Content-Length (HTTP/1.0, close-delimited) and record how much went out, paths in `hang`
    never answer."""

    def __init__(self, root: Path, tls: ssl.SSLContext | None = None) -> None:
        self.hits: Counter[str] = Counter()
        self.redirects: dict[str, str] = {}
        self.endless: set[str] = set()
        self.hang: set[str] = set()
        self.sent: dict[str, int] = {}
        self.streamed = threading.Event()
        self.release = threading.Event()
        handler = functools.partial(_Handler, directory=str(root))
        self.httpd = _QuietServer(("127.0.0.1", 0), handler)
        self.httpd.state = self  # type: ignore[attr-defined]
        if tls is not None:
            self.httpd.socket = tls.wrap_socket(self.httpd.socket, server_side=True)
        scheme = "https" if tls is not None else "http"
        self.url = f"{scheme}://127.0.0.1:{self.httpd.server_address[1]}/"
        threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True).start()

    def close(self) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that hangs up mid-stream or rejects the certificate is expected


class _Handler(SimpleHTTPRequestHandler):
    def do_GET(self) -> None:
        state: Server = self.server.state  # type: ignore[attr-defined]
        path = self.path
        state.hits[path] += 1
        if path in state.hang:
            state.release.wait(10)
        elif path in state.redirects:
            self.send_response(302)
            self.send_header("Location", state.redirects[path])
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif path in state.endless:
            self._stream_zeros(state, path)
        else:
            super().do_GET()

    def _stream_zeros(self, state: Server, path: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.end_headers()
        chunk, sent = bytes(1 << 16), 0
        try:
            while sent < ENDLESS_BYTES:
                self.wfile.write(chunk)
                sent += len(chunk)
        except OSError:
            pass  # the client hung up
        finally:
            state.sent[path] = sent
            state.streamed.set()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server(warehouse: Warehouse) -> Iterator[Server]:
    srv = Server(warehouse.root)
    yield srv
    srv.close()


@pytest.fixture
def other_host(tmp_path: Path) -> Iterator[Server]:
    """A second server (another port: another origin) holding a copy of the release file."""
    root = tmp_path / "elsewhere"
    (root / "asif" / "2005").mkdir(parents=True)
    (root / CSV_PATH).write_bytes(DATA)
    (root / "catalog.json").write_text(json.dumps({"catalog_version": 1, "releases": []}))
    srv = Server(root)
    yield srv
    srv.close()


def _http(url: str, **options: Any) -> HttpSource:
    source = open_catalog(url, **{"retries": 0, "backoff": 0.01, "timeout": 5, **options})
    assert isinstance(source, HttpSource)
    return source


def _capped(warehouse: Warehouse, tmp_path: Path, **env: str) -> Settings:
    """The warehouse's settings with `env` read the way a refresh reads them."""
    settings = make_settings(tmp_path, warehouse.root, **env)
    assert settings.data_dir == warehouse.settings.data_dir
    return settings


def _ingest(warehouse: Warehouse, settings: Settings, location: str) -> IngestOutcome:
    source = open_catalog(location) if location == str(warehouse.root) else _http(location)
    release = warehouse.release(RELEASE, 2005, CSV_PATH, DATA)
    return ingest_release(warehouse.con, settings, source, release, run_gx=False)


def _reason_json(settings: Settings) -> dict[str, Any]:
    return json.loads((settings.quarantine_dir / RELEASE / "reason.json").read_text())


def _assert_nothing_kept(warehouse: Warehouse, settings: Settings) -> None:
    assert warehouse.rows("select count(*) from raw.asif") == [(0,)]
    assert warehouse.rows("select status from ops.releases") == [("quarantined",)]
    assert not (settings.landing_dir / "asif" / "2005" / RELEASE).exists()


# Settings --------------------------------------------------------------------------------


def test_size_cap_settings(tmp_path: Path) -> None:
    default = make_settings(tmp_path, tmp_path)
    assert default.max_file_bytes == DEFAULT_MAX_FILE_BYTES == 4 * 2**30
    assert default.max_release_bytes == 8 * 2**30
    set_ = make_settings(
        tmp_path, tmp_path, CITYGVC_MAX_FILE_BYTES="512 MiB", CITYGVC_MAX_RELEASE_BYTES="1000"
    )
    assert (set_.max_file_bytes, set_.max_release_bytes) == (512 * 2**20, 1000)
    for bad in ("0", "-5", "4GB", "lots"):
        with pytest.raises(ValueError, match="CITYGVC_MAX_FILE_BYTES"):
            make_settings(tmp_path, tmp_path, CITYGVC_MAX_FILE_BYTES=bad)


# Size caps -------------------------------------------------------------------------------


@pytest.mark.parametrize("over", ["file", "release"])
@pytest.mark.parametrize("where", ["directory", "http"])
def test_release_over_a_cap_is_quarantined_unread(
    warehouse: Warehouse, server: Server, tmp_path: Path, where: str, over: str
) -> None:
    size = len(DATA)
    caps = {"file": (size - 1, 10 * size), "release": (size, size - 1)}[over]
    settings = _capped(
        warehouse,
        tmp_path,
        CITYGVC_MAX_FILE_BYTES=str(caps[0]),
        CITYGVC_MAX_RELEASE_BYTES=str(caps[1]),
    )
    location = str(warehouse.root) if where == "directory" else server.url

    outcome = _ingest(warehouse, settings, location)

    assert (outcome.status, outcome.reason) == ("quarantined", f"{over}_too_large")
    variable = "CITYGVC_MAX_FILE_BYTES" if over == "file" else "CITYGVC_MAX_RELEASE_BYTES"
    cap = caps[0] if over == "file" else caps[1]
    for text in (f"release {RELEASE}", CSV_PATH, f"{cap:,} bytes", variable, "not downloaded"):
        assert text in outcome.message
    assert _reason_json(settings)["reason"] == f"{over}_too_large"
    # refused on the catalog's word: never downloaded, nothing kept in quarantine but the reason
    assert server.hits[f"/{CSV_PATH}"] == 0
    assert sorted(p.name for p in (settings.quarantine_dir / RELEASE).iterdir()) == ["reason.json"]
    _assert_nothing_kept(warehouse, settings)


def test_a_release_within_the_caps_loads(
    warehouse: Warehouse, server: Server, tmp_path: Path
) -> None:
    size = str(len(DATA))
    settings = _capped(
        warehouse, tmp_path, CITYGVC_MAX_FILE_BYTES=size, CITYGVC_MAX_RELEASE_BYTES=size
    )
    outcome = _ingest(warehouse, settings, server.url)
    assert (outcome.status, outcome.rows) == ("loaded", len(HAND_FIRMS))


def test_server_sending_more_than_declared_without_length_is_cut_off(
    warehouse: Warehouse, server: Server, tmp_path: Path
) -> None:
    """The catalog declares a small file; the server streams zeros with no Content-Length.
    The download stops one byte past the declared size (which the cap bounds), the release
    is quarantined, and the server sees the client hang up."""
    settings = _capped(warehouse, tmp_path, CITYGVC_MAX_FILE_BYTES="64KiB")
    server.endless.add(f"/{CSV_PATH}")

    outcome = _ingest(warehouse, settings, server.url)

    assert (outcome.status, outcome.reason) == ("quarantined", "size_mismatch")
    assert f"catalog says {len(DATA)} bytes, got more than" in outcome.message
    kept = settings.quarantine_dir / RELEASE / CSV_PATH.rsplit("/", 1)[-1]
    assert kept.stat().st_size == len(DATA) + 1 <= settings.max_file_bytes
    assert server.streamed.wait(30)
    assert server.sent[f"/{CSV_PATH}"] < ENDLESS_BYTES // 4  # stopped, not read to the end
    _assert_nothing_kept(warehouse, settings)


@pytest.mark.parametrize("where", ["directory", "http"])
def test_oversized_catalog_json_is_refused(
    warehouse: Warehouse, server: Server, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    monkeypatch.setattr(sources, "MAX_CATALOG_BYTES", 2**20)
    if where == "directory":
        (warehouse.root / "catalog.json").write_bytes(b" " * (2**20 + 1))
        source = open_catalog(str(warehouse.root))
    else:
        server.endless.add("/catalog.json")  # no Content-Length, never ends
        source = _http(server.url)
    with pytest.raises(CatalogError, match=r"catalog\.json: larger than 1,048,576 bytes"):
        source.read_catalog()
    if where == "http":
        assert server.streamed.wait(30)
        assert server.sent["/catalog.json"] < ENDLESS_BYTES // 4


# Redirects -------------------------------------------------------------------------------


def test_redirect_within_the_catalog_origin_is_followed(
    warehouse: Warehouse, server: Server, tmp_path: Path
) -> None:
    release = warehouse.release(RELEASE, 2005, "asif/2005/moved.csv", DATA)
    (warehouse.root / CSV_PATH).write_bytes(DATA)
    server.redirects["/asif/2005/moved.csv"] = f"/{CSV_PATH}"  # relative: same origin
    settings = warehouse.settings
    outcome = ingest_release(warehouse.con, settings, _http(server.url), release, run_gx=False)
    assert outcome.status == "loaded"
    assert server.hits[f"/{CSV_PATH}"] == 1


def test_file_redirect_to_another_host_quarantines_the_release(
    warehouse: Warehouse, server: Server, other_host: Server
) -> None:
    target = other_host.url + CSV_PATH
    server.redirects[f"/{CSV_PATH}"] = target

    outcome = _ingest(warehouse, warehouse.settings, server.url)

    assert (outcome.status, outcome.reason) == ("quarantined", "file_unavailable")
    assert f"{server.url}{CSV_PATH}: redirect to {target} refused" in outcome.message
    assert other_host.hits[f"/{CSV_PATH}"] == 0
    _assert_nothing_kept(warehouse, warehouse.settings)


def test_catalog_redirect_to_another_host_is_unreachable(
    server: Server, other_host: Server
) -> None:
    server.redirects["/catalog.json"] = other_host.url + "catalog.json"
    with pytest.raises(CatalogError, match=r"redirect to .* refused") as error:
        _http(server.url).read_catalog()
    assert f"{server.url}catalog.json" in str(error.value)
    assert f"{other_host.url}catalog.json" in str(error.value)
    assert other_host.hits["/catalog.json"] == 0


def test_redirect_loop_stops(server: Server) -> None:
    server.redirects["/catalog.json"] = "/catalog.json"
    with pytest.raises(CatalogError, match=f"more than {sources.MAX_REDIRECTS} redirects"):
        _http(server.url).read_catalog()
    assert server.hits["/catalog.json"] == sources.MAX_REDIRECTS + 1


# TLS and timeouts ------------------------------------------------------------------------


@pytest.fixture
def tls_server(warehouse: Warehouse, tmp_path: Path) -> Iterator[tuple[Server, Path]]:
    """An HTTPS server with a self-signed certificate for 127.0.0.1, and the certificate."""
    cert, key = _self_signed(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    (warehouse.root / "catalog.json").write_text('{"catalog_version": 1, "releases": []}')
    srv = Server(warehouse.root, tls=context)
    yield srv, cert
    srv.close()


def _self_signed(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def test_tls_certificates_are_verified(
    tls_server: tuple[Server, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    server, cert = tls_server
    # requests reads these; empty values must not switch verification off
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "")
    monkeypatch.setenv("CURL_CA_BUNDLE", "")
    with pytest.raises(CatalogError, match="CERTIFICATE_VERIFY_FAILED"):
        _http(server.url).read_catalog()
    # the same server is fine once its certificate is a trusted CA (an internal CA's bundle)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert))
    assert _http(server.url).read_catalog()["catalog_version"] == 1


def test_https_to_http_downgrade_is_refused(
    tls_server: tuple[Server, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    server, cert = tls_server
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert))
    downgrade = server.url.replace("https://", "http://") + "catalog.json"
    server.redirects["/catalog.json"] = downgrade
    with pytest.raises(CatalogError, match=f"redirect to {downgrade} refused"):
        _http(server.url).read_catalog()


def test_every_request_has_a_timeout(server: Server) -> None:
    assert HttpSource(server.url).timeout == (sources.CONNECT_TIMEOUT, sources.READ_TIMEOUT)
    server.hang.add("/catalog.json")
    start = time.monotonic()
    with pytest.raises(CatalogError, match="unreachable"):
        _http(server.url, timeout=(2, 0.5)).read_catalog()
    assert time.monotonic() - start < 5
