"""Ingest library: catalog, landing, readers, release checks, GX and the load into raw.*."""
