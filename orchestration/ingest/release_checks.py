"""Moved to `orchestration.ingest.checks`. This name stays only because the import-linter
contracts in pyproject.toml list `orchestration.ingest.release_checks` (a listed module must
exist); once they name `orchestration.ingest.checks`, delete this file. Import from
`orchestration.ingest.checks`."""

from orchestration.ingest.checks import *  # noqa: F403
from orchestration.ingest.checks import __all__  # noqa: F401
