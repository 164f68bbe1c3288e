"""Release catalog clients and validation (docs/catalog.md).

A catalog root is a directory, a `file://` URL or an `http(s)://` URL holding `catalog.json`
and the files it lists. `open_catalog` returns a `CatalogSource` that reads the catalog and
streams listed files; `validate_catalog` turns the parsed document into `Release` records and
one `Rejection` per bad entry, so one bad entry never stops the others.

Modules: `model` (records and errors), `validate` (the rules), `sources` (the clients).
"""

from orchestration.ingest.catalog.model import (
    CATALOG_FILE,
    CATALOG_VERSION,
    DATASETS,
    FORMATS,
    RELEASE_ID_RE,
    CatalogError,
    FetchError,
    Rejection,
    Release,
    ReleaseFile,
)
from orchestration.ingest.catalog.sources import (
    CatalogSource,
    DirectorySource,
    HttpSource,
    file_sha256,
    open_catalog,
)
from orchestration.ingest.catalog.validate import (
    check_catalog_doc,
    check_relative_path,
    parse_catalog_bytes,
    parse_entry,
    validate_catalog,
)

__all__ = [
    "CATALOG_FILE",
    "CATALOG_VERSION",
    "DATASETS",
    "FORMATS",
    "RELEASE_ID_RE",
    "CatalogError",
    "CatalogSource",
    "DirectorySource",
    "FetchError",
    "HttpSource",
    "Rejection",
    "Release",
    "ReleaseFile",
    "check_catalog_doc",
    "check_relative_path",
    "file_sha256",
    "open_catalog",
    "parse_catalog_bytes",
    "parse_entry",
    "validate_catalog",
]
