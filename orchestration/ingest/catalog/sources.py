"""Catalog sources (docs/catalog.md): a directory (or `file://` URL) or an `http(s)://` URL holding
`catalog.json` and the files it lists; `open_catalog` picks the client for a location.

Over HTTP, every request has a connect and a read timeout, TLS certificates are always
verified, and redirects are followed only within the catalog's own scheme, host and port."""

from __future__ import annotations

import hashlib
import io
import time
from abc import ABC, abstractmethod
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import quote, urljoin, urlsplit, urlunsplit
from urllib.request import url2pathname

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from orchestration.ingest.catalog.model import CATALOG_FILE, CatalogError, EntryInvalid, FetchError
from orchestration.ingest.catalog.validate import check_relative_path, parse_catalog_bytes

_CHUNK = 1 << 20
# The national sample catalog's catalog.json (30 releases, ~8,000 files) is under 1 MB; a
# catalog.json past this is no catalog and is not read into memory.
MAX_CATALOG_BYTES = 64 * 2**20
# Seconds to open a connection, and to wait for the next bytes of a response (not for the
# whole download: a national ASIF year takes minutes on a slow link).
CONNECT_TIMEOUT = 10.0
READ_TIMEOUT = 60.0
# Same-origin redirects followed per request (a moved folder, a trailing slash added).
MAX_REDIRECTS = 5
_DEFAULT_PORTS = {"http": 80, "https": 443}


def _checked_path(rel_path: str) -> None:
    try:
        check_relative_path(rel_path)
    except EntryInvalid as exc:
        raise FetchError(rel_path, exc.detail) from None


def _copy_limited(src: Iterable[bytes], out: Any, max_bytes: int | None) -> None:
    """Write chunks to `out`, stopping one byte past `max_bytes` so an oversized file is
    detectable without downloading all of it."""
    written = 0
    for chunk in src:
        if max_bytes is not None and written + len(chunk) > max_bytes + 1:
            out.write(chunk[: max_bytes + 1 - written])
            return
        out.write(chunk)
        written += len(chunk)


def _within_catalog_cap(data: bytes, where: str) -> bytes:
    if len(data) > MAX_CATALOG_BYTES:
        raise CatalogError(f"{where}: larger than {MAX_CATALOG_BYTES:,} bytes; not a catalog")
    return data


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    return scheme, (parts.hostname or "").lower(), parts.port or _DEFAULT_PORTS.get(scheme)


class CatalogSource(ABC):
    @abstractmethod
    def read_catalog(self) -> dict[str, Any]:
        """The parsed catalog; raises CatalogError (invalid JSON, version, unreachable)."""

    @abstractmethod
    def fetch_file(self, rel_path: str, dest: Path, max_bytes: int | None = None) -> None:
        """Stream file `rel_path` to `dest`. Raises FetchError when the file is missing or
        refused, CatalogError when the source is unreachable. With `max_bytes`, stops one
        byte past it (the caller's size check then fails without a full download)."""

    @abstractmethod
    def describe(self) -> str:
        """Where the catalog lives, for logs and summaries (no credentials)."""


class DirectorySource(CatalogSource):
    def __init__(self, root: Path) -> None:
        self.root = root

    def read_catalog(self) -> dict[str, Any]:
        path = self.root / CATALOG_FILE
        try:
            with path.open("rb") as src:
                data = src.read(MAX_CATALOG_BYTES + 1)
        except OSError as exc:
            raise CatalogError(f"cannot read {path}: {exc.strerror or exc}") from None
        return parse_catalog_bytes(_within_catalog_cap(data, str(path)), str(path))

    def fetch_file(self, rel_path: str, dest: Path, max_bytes: int | None = None) -> None:
        _checked_path(rel_path)
        root = self.root.resolve()
        path = (root / rel_path).resolve()
        # A symlink inside the root may still point outside it.
        if not path.is_relative_to(root):
            raise FetchError(str(root / rel_path), "resolves outside the catalog root")
        try:
            with path.open("rb") as src, dest.open("wb") as out:
                _copy_limited(iter(lambda: src.read(_CHUNK), b""), out, max_bytes)
        except FileNotFoundError:
            raise FetchError(str(path), "file not found") from None
        except IsADirectoryError:
            raise FetchError(str(path), "is a directory") from None
        except PermissionError:
            raise FetchError(str(path), "permission denied") from None

    def describe(self) -> str:
        return f"directory {self.root}"


class HttpSource(CatalogSource):
    """HTTP(S) catalog. Connection errors and 5xx are retried with exponential back-off
    (urllib3 Retry, honouring Retry-After); a 4xx fails at once with the URL in the error.
    A redirect is followed only to the same scheme, host and port (a catalog must not send
    citygvc, and the credentials in its URL, elsewhere, nor downgrade https to http)."""

    RETRY_STATUSES = (500, 502, 503, 504)

    def __init__(
        self,
        base_url: str,
        *,
        retries: int = 5,
        backoff: float = 0.5,
        timeout: float | tuple[float, float] = (CONNECT_TIMEOUT, READ_TIMEOUT),
    ) -> None:
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self.retries = retries
        self.backoff = backoff
        self.timeout = timeout
        self.session = requests.Session()
        retry = Retry(
            total=retries,
            connect=retries,
            read=retries,
            status=retries,
            backoff_factor=backoff,
            status_forcelist=self.RETRY_STATUSES,
            allowed_methods=frozenset({"GET"}),
            raise_on_status=False,
        )
        adapter = HTTPAdapter(max_retries=retry)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    def _url(self, rel_path: str) -> str:
        return self.base_url + quote(rel_path, safe="/")

    def _get(self, url: str) -> requests.Response:
        """The response to `url` after same-origin redirects. Raises FetchError for a refused
        redirect, CatalogError when the server cannot be reached."""
        target = url
        for _ in range(MAX_REDIRECTS + 1):
            response = self._send(target)
            if not response.is_redirect:
                return response
            location = urljoin(target, response.headers["Location"])
            response.close()
            if _origin(location) != _origin(url):
                raise FetchError(
                    self._public(url),
                    f"redirect to {self._public(location)} refused: only redirects to the "
                    "same scheme, host and port are followed",
                )
            target = location
        raise FetchError(self._public(url), f"more than {MAX_REDIRECTS} redirects")

    def _send(self, url: str) -> requests.Response:
        try:
            # verify=True on every request: certificates are always checked (REQUESTS_CA_BUNDLE
            # may name the CA of an internal server; nothing turns the check off). Redirects
            # are followed by `_get`, which checks where they lead.
            response = self.session.get(
                url, stream=True, timeout=self.timeout, allow_redirects=False, verify=True
            )
        except requests.RequestException as exc:
            raise CatalogError(
                f"{self._public(url)} unreachable after {self.retries} retries: {exc}"
            ) from None
        if response.status_code >= 500:
            response.close()
            raise CatalogError(
                f"{self._public(url)} unreachable: HTTP {response.status_code} after "
                f"{self.retries} retries"
            )
        return response

    def read_catalog(self) -> dict[str, Any]:
        url = self._url(CATALOG_FILE)
        try:
            response = self._get(url)
        except FetchError as exc:
            raise CatalogError(str(exc)) from None
        with response:
            if response.status_code >= 300:
                raise CatalogError(f"{self._public(url)}: HTTP {response.status_code}")
            data = io.BytesIO()
            _copy_limited(response.iter_content(_CHUNK), data, MAX_CATALOG_BYTES)
            return parse_catalog_bytes(
                _within_catalog_cap(data.getvalue(), self._public(url)), self._public(url)
            )

    def fetch_file(self, rel_path: str, dest: Path, max_bytes: int | None = None) -> None:
        _checked_path(rel_path)
        url = self._url(rel_path)
        # urllib3 retries only until the headers arrive; a connection dropped mid-body is
        # retried here, with the same back-off.
        for attempt in range(self.retries + 1):
            with self._get(url) as response:
                if response.status_code >= 300:
                    raise FetchError(self._public(url), f"HTTP {response.status_code}")
                try:
                    with dest.open("wb") as out:
                        _copy_limited(response.iter_content(_CHUNK), out, max_bytes)
                    return
                except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
                    if attempt == self.retries:
                        raise CatalogError(
                            f"{self._public(url)}: download failed after {attempt} retries: {exc}"
                        ) from None
            time.sleep(self.backoff * 2**attempt)

    @staticmethod
    def _public(url: str) -> str:
        parts = urlsplit(url)
        host = parts.hostname or ""
        if parts.port:
            host = f"{host}:{parts.port}"
        return urlunsplit((parts.scheme, host, parts.path, parts.query, ""))

    def describe(self) -> str:
        return self._public(self.base_url)


def open_catalog(location: str, **http_options: Any) -> CatalogSource:
    """A source for a directory path, a `file://` URL or an `http(s)://` URL. A location
    naming `catalog.json` itself means its folder. `http_options` (retries, backoff,
    timeout) apply to HTTP sources."""
    parts = urlsplit(location)
    scheme = parts.scheme.lower()
    if scheme in {"http", "https"}:
        base = location
        if parts.path.endswith("/" + CATALOG_FILE):
            base = location[: location.rindex(CATALOG_FILE)]
        return HttpSource(base, **http_options)
    if scheme == "file":
        if parts.netloc not in {"", "localhost"}:
            raise CatalogError(f"file URL with a remote host is not supported: {location}")
        path = Path(url2pathname(parts.path))
    elif scheme and len(scheme) > 1:
        raise CatalogError(f"unsupported catalog location {location!r}")
    else:
        path = Path(location).expanduser()
    if path.name == CATALOG_FILE:
        path = path.parent
    return DirectorySource(path.absolute())


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
