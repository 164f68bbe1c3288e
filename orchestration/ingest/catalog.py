"""Release catalog clients and validation (DESIGN §4).

A catalog root is a directory, a `file://` URL or an `http(s)://` URL holding `catalog.json`
and the files it lists. `open_catalog` returns a `CatalogSource` that reads the catalog and
streams listed files; `validate_catalog` turns the parsed document into `Release` records and
one `Rejection` per bad entry, so one bad entry never stops the others.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit
from urllib.request import url2pathname

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

CATALOG_FILE = "catalog.json"
CATALOG_VERSION = 1
RELEASE_ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
DATASETS = frozenset({"asif", "fdi_city"})
FORMATS = frozenset({"dta", "csv", "parquet", "xlsx"})
SHA256_RE = re.compile(r"^[0-9a-fA-F]{64}$")
CITY_CODE_RE = re.compile(r"^\d{6}$")
# Catalog periods outside this range are typos, not survey years.
MIN_PERIOD, MAX_PERIOD = 1949, 2100
_CHUNK = 1 << 20


class CatalogError(Exception):
    """The catalog as a whole is unusable: invalid JSON, an unsupported `catalog_version`, or
    the source cannot be reached. The refresh exits with status 2 and changes nothing."""


class FetchError(Exception):
    """One listed file cannot be fetched (missing, HTTP 4xx, outside the root). The release
    that lists it is quarantined; other releases proceed."""

    def __init__(self, location: str, message: str) -> None:
        super().__init__(f"{location}: {message}")
        self.location = location


# Catalog records -------------------------------------------------------------------------


@dataclass(frozen=True)
class ReleaseFile:
    path: str
    format: str
    sha256: str
    bytes: int
    city_code: str | None = None

    def as_dict(self) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "path": self.path,
            "format": self.format,
            "sha256": self.sha256,
            "bytes": self.bytes,
        }
        if self.city_code is not None:
            entry["city_code"] = self.city_code
        return entry


@dataclass(frozen=True)
class Release:
    release_id: str
    dataset: str
    period: int
    revision: int
    published_at: str | None
    provisional: bool
    files: tuple[ReleaseFile, ...]
    notes: str = ""

    @property
    def content_sha256(self) -> str:
        """sha256 of the sorted `path:sha256` lines, each ending in a newline (DESIGN §5
        `dim_release.sha256`): it changes exactly when the release's files change."""
        lines = sorted(f"{f.path}:{f.sha256}" for f in self.files)
        return hashlib.sha256("".join(f"{line}\n" for line in lines).encode()).hexdigest()

    @property
    def city_codes(self) -> str | None:
        """Sorted, comma-joined city codes of the files (fdi_city), None for asif."""
        codes = sorted({f.city_code for f in self.files if f.city_code is not None})
        return ",".join(codes) or None

    def entry_json(self) -> str:
        """The validated entry as canonical JSON (sorted keys, files sorted by path)."""
        entry = {
            "release_id": self.release_id,
            "dataset": self.dataset,
            "period": self.period,
            "revision": self.revision,
            "published_at": self.published_at,
            "provisional": self.provisional,
            "files": [f.as_dict() for f in sorted(self.files, key=lambda f: f.path)],
            "notes": self.notes,
        }
        return json.dumps(entry, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


@dataclass(frozen=True)
class Rejection:
    """A catalog entry that was not accepted. `reason` is a short code (see README of the
    ingest: invalid_entry, missing_field, invalid_field, invalid_release_id, unknown_dataset,
    unsupported_format, path_outside_root, invalid_city_code, duplicate_release_id,
    release_mutated); `entry` is the raw entry, kept so the warehouse record can show what it
    could parse."""

    raw_release_id: str | None
    reason: str
    detail: str
    entry: Mapping[str, Any] | None = field(default=None, compare=False, repr=False)

    @property
    def valid_id(self) -> bool:
        return self.raw_release_id is not None and bool(RELEASE_ID_RE.match(self.raw_release_id))


class _EntryInvalid(Exception):
    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


# Validation ------------------------------------------------------------------------------


def check_relative_path(path: object) -> str:
    """Return `path` when it is a plain relative path that stays inside the catalog root.

    Rejects absolute paths, `..` and `.` segments, empty segments, backslashes (Windows
    separators that would escape on some servers), drive letters and URL schemes (`:`),
    percent-encoding (decoded by HTTP servers into `..` or `/`) and control characters."""
    if not isinstance(path, str) or not path:
        raise _EntryInvalid("invalid_field", f"file path must be a non-empty string, got {path!r}")
    problem = None
    if path.startswith("/"):
        problem = "absolute path"
    elif "\\" in path:
        problem = "backslash in path"
    elif ":" in path:
        problem = "drive letter or URL scheme in path"
    elif "%" in path:
        problem = "percent-encoding in path"
    elif any(ord(ch) < 32 or ord(ch) == 127 for ch in path):
        problem = "control character in path"
    elif any(seg in {"", ".", ".."} for seg in path.split("/")):
        problem = "'.', '..' or empty segment in path"
    if problem:
        raise _EntryInvalid("path_outside_root", f"{problem}: {path!r}")
    return path


def _require(entry: Mapping[str, Any], key: str) -> Any:
    if key not in entry or entry[key] is None:
        raise _EntryInvalid("missing_field", f"missing field {key!r}")
    return entry[key]


def _int_field(entry: Mapping[str, Any], key: str, low: int, high: int) -> int:
    value = _require(entry, key)
    # bool is an int in Python; `true` is not a period.
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _EntryInvalid(
            "invalid_field", f"{key} must be an integer in {low}..{high}, got {value!r}"
        )
    return value


def _parse_file(raw: object, dataset: str, index: int) -> ReleaseFile:
    if not isinstance(raw, Mapping):
        raise _EntryInvalid("invalid_field", f"files[{index}] is not an object")
    path = check_relative_path(_require(raw, "path"))
    fmt = _require(raw, "format")
    if fmt not in FORMATS:
        raise _EntryInvalid(
            "unsupported_format", f"{path}: format {fmt!r} not in {sorted(FORMATS)}"
        )
    sha = _require(raw, "sha256")
    if not isinstance(sha, str) or not SHA256_RE.match(sha):
        raise _EntryInvalid("invalid_field", f"{path}: sha256 must be 64 hex digits")
    size = _int_field(raw, "bytes", 0, 2**62)
    city_code = None
    if dataset == "fdi_city":
        city_code = raw.get("city_code")
        if city_code is None:
            raise _EntryInvalid("missing_field", f"{path}: fdi_city file needs 'city_code'")
        if not isinstance(city_code, str) or not CITY_CODE_RE.match(city_code):
            raise _EntryInvalid(
                "invalid_city_code", f"{path}: city_code must be 6 digits, got {city_code!r}"
            )
    return ReleaseFile(path=path, format=fmt, sha256=sha.lower(), bytes=size, city_code=city_code)


def parse_entry(entry: object) -> Release:
    """Validate one catalog entry; raises `_EntryInvalid` with a reason code."""
    if not isinstance(entry, Mapping):
        raise _EntryInvalid("invalid_entry", f"release entry is not an object: {entry!r:.80}")
    release_id = _require(entry, "release_id")
    if not isinstance(release_id, str) or not RELEASE_ID_RE.match(release_id):
        raise _EntryInvalid(
            "invalid_release_id",
            f"release_id {release_id!r:.80} does not match {RELEASE_ID_RE.pattern}",
        )
    dataset = _require(entry, "dataset")
    if dataset not in DATASETS:
        raise _EntryInvalid("unknown_dataset", f"dataset {dataset!r:.80} not in {sorted(DATASETS)}")
    period = _int_field(entry, "period", MIN_PERIOD, MAX_PERIOD)
    revision = _int_field(entry, "revision", 0, 10_000)
    published_at = entry.get("published_at")
    if published_at is not None:
        try:
            date.fromisoformat(published_at)
        except (TypeError, ValueError):
            raise _EntryInvalid(
                "invalid_field", f"published_at must be an ISO date, got {published_at!r:.40}"
            ) from None
    provisional = entry.get("provisional", False)
    if not isinstance(provisional, bool):
        raise _EntryInvalid("invalid_field", f"provisional must be true/false, got {provisional!r}")
    notes = entry.get("notes") or ""
    if not isinstance(notes, str):
        raise _EntryInvalid("invalid_field", "notes must be a string")
    raw_files = _require(entry, "files")
    if not isinstance(raw_files, list) or not raw_files:
        raise _EntryInvalid("invalid_field", "files must be a non-empty list")
    files = tuple(_parse_file(raw, dataset, i) for i, raw in enumerate(raw_files))
    # Landing keeps files by base name (landing/<dataset>/<period>/<release_id>/<name>).
    names = [f.path.rsplit("/", 1)[-1] for f in files]
    if len(set(names)) != len(names):
        raise _EntryInvalid("invalid_field", f"two files share a file name: {sorted(names)}")
    return Release(
        release_id=release_id,
        dataset=dataset,
        period=period,
        revision=revision,
        published_at=published_at,
        provisional=provisional,
        files=files,
        notes=notes,
    )


def _raw_id(entry: object) -> str | None:
    if isinstance(entry, Mapping) and entry.get("release_id") is not None:
        return str(entry["release_id"])
    return None


def validate_catalog(
    doc: Mapping[str, Any], loaded: Mapping[str, str] | None = None
) -> tuple[list[Release], list[Rejection]]:
    """Validate every entry of a parsed catalog (DESIGN §4).

    `loaded` maps release ids already loaded in the warehouse to their `content_sha256`:
    - an id listed twice with identical entries is one release;
    - an id listed twice with different entries rejects every copy (`duplicate_release_id`)
      unless one copy matches the loaded release, which then stays;
    - a loaded id whose files changed is rejected as `release_mutated`.
    Releases come back in catalog order (first occurrence)."""
    loaded = loaded or {}
    check_catalog_doc(doc, "catalog")
    entries = doc["releases"]

    rejections: list[Rejection] = []
    by_id: dict[str, list[tuple[Release, Mapping[str, Any]]]] = {}
    for entry in entries:
        try:
            release = parse_entry(entry)
        except _EntryInvalid as exc:
            raw = entry if isinstance(entry, Mapping) else None
            rejections.append(Rejection(_raw_id(entry), exc.reason, exc.detail, raw))
            continue
        by_id.setdefault(release.release_id, []).append((release, entry))

    releases: list[Release] = []
    for release_id, copies in by_id.items():
        distinct = list({r.entry_json(): (r, e) for r, e in copies}.values())
        if release_id in loaded:
            keep = [(r, e) for r, e in distinct if r.content_sha256 == loaded[release_id]]
            if keep:
                releases.append(keep[0][0])
                rejections.extend(
                    Rejection(
                        release_id,
                        "duplicate_release_id",
                        "listed again with different content; the loaded release stays",
                        e,
                    )
                    for r, e in distinct
                    if r is not keep[0][0]
                )
            else:
                rejections.extend(
                    Rejection(
                        release_id,
                        "release_mutated",
                        f"files changed after the release was loaded (loaded sha256 "
                        f"{loaded[release_id][:12]}, catalog {r.content_sha256[:12]}); "
                        "corrections must come as a new revision",
                        e,
                    )
                    for r, e in distinct
                )
        elif len(distinct) == 1:
            releases.append(distinct[0][0])
        else:
            rejections.extend(
                Rejection(
                    release_id,
                    "duplicate_release_id",
                    f"listed {len(copies)} times with different content",
                    e,
                )
                for _, e in distinct
            )
    return releases, rejections


# Sources ---------------------------------------------------------------------------------


def parse_catalog_bytes(data: bytes, where: str) -> dict[str, Any]:
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CatalogError(f"{where}: invalid JSON: {exc}") from None
    check_catalog_doc(doc, where)
    return doc


def check_catalog_doc(doc: object, where: str) -> None:
    """Whole-catalog rules: a JSON object, `catalog_version` 1, a `releases` list."""
    if not isinstance(doc, Mapping):
        raise CatalogError(f"{where}: catalog must be a JSON object")
    version = doc.get("catalog_version")
    # `true == 1` in Python; a boolean version is not version 1.
    if isinstance(version, bool) or version != CATALOG_VERSION:
        raise CatalogError(
            f"{where}: unsupported catalog_version {version!r} (expected {CATALOG_VERSION})"
        )
    if not isinstance(doc.get("releases"), list):
        raise CatalogError(f"{where}: 'releases' must be a list")


def _checked_path(rel_path: str) -> None:
    try:
        check_relative_path(rel_path)
    except _EntryInvalid as exc:
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
            data = path.read_bytes()
        except OSError as exc:
            raise CatalogError(f"cannot read {path}: {exc.strerror or exc}") from None
        return parse_catalog_bytes(data, str(path))

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
    (urllib3 Retry, honouring Retry-After); a 4xx fails at once with the URL in the error."""

    RETRY_STATUSES = (500, 502, 503, 504)

    def __init__(
        self,
        base_url: str,
        *,
        retries: int = 5,
        backoff: float = 0.5,
        timeout: float = 30.0,
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
        try:
            response = self.session.get(url, stream=True, timeout=self.timeout)
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
        with self._get(url) as response:
            if response.status_code >= 400:
                raise CatalogError(f"{self._public(url)}: HTTP {response.status_code}")
            return parse_catalog_bytes(response.content, self._public(url))

    def fetch_file(self, rel_path: str, dest: Path, max_bytes: int | None = None) -> None:
        _checked_path(rel_path)
        url = self._url(rel_path)
        # urllib3 retries only until the headers arrive; a connection dropped mid-body is
        # retried here, with the same back-off.
        for attempt in range(self.retries + 1):
            with self._get(url) as response:
                if response.status_code >= 400:
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
