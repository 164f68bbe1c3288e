"""Ingest assets, jobs and the release catalog sensor."""
