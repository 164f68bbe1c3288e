"""Readers for release files: every supported format to canonical Arrow columns."""

from orchestration.ingest.readers.asif import AsifFrame, read_asif, read_asif_file
from orchestration.ingest.readers.errors import ReadError
from orchestration.ingest.readers.fdi import FdiFrame, read_fdi_city

__all__ = ["AsifFrame", "FdiFrame", "ReadError", "read_asif", "read_asif_file", "read_fdi_city"]
