"""The integer codes of the flag columns in Stata files (docs/exports.md, "Stata codes").

Stata has no labelled strings, so each SDMX code becomes an integer whose value label is the
code itself: `read_stata` (and Stata's `decode`) give the code back. The integers are part of
the export contract; new codes get new integers, existing ones never change."""

from __future__ import annotations

OBS_STATUS = {"A": 1, "B": 2, "E": 3, "O": 4, "P": 5}
CONF_STATUS = {"F": 1, "C": 2, "D": 3}
BOOLEAN = {False: 0, True: 1}

# mart column name -> its code table (fct_city_industry_year has a status per magnitude too)
FLAG_COLUMNS: dict[str, dict[str, int]] = {
    "obs_status": OBS_STATUS,
    "conf_status": CONF_STATUS,
    **{
        f"conf_status_{magnitude}": CONF_STATUS
        for magnitude in ("gross_output", "value_added", "export_value", "employment")
    },
}


def value_labels(codes: dict) -> dict[int, str]:
    """Stata value labels of a code table: integer -> the code as text."""
    return {
        number: str(code).lower() if isinstance(code, bool) else code
        for code, number in codes.items()
    }
