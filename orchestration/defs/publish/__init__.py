"""The publish asset, freshness checks and the metadata monitors read."""
