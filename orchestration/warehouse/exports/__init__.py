"""Files researchers open directly (docs/exports.md): CSV and Stata copies of every mart, a
wide city × year panel, and an SDMX-CSV file of the headline table, written into each
publish's version folder from its Parquet files."""
