-- A fingerprint per ASIF year of everything the year's aggregates are built from: every
-- column of its firm-years that a cell, total or disclosure status reads (value added
-- included, which imputation may change when other years arrive), and for disclosure the
-- thresholds in force. The incremental aggregates rebuild a year when its fingerprint
-- changes. Row hashes are summed, so the digest does not depend on row order; the hash is
-- each engine's own (rows_digest): a digest is only compared with built_from of the same engine.
with

firm_year_digests as (
    select
        year,
        {{ rows_digest([
            'firm_id',
            'release_id',
            'city_code',
            'city_units',
            'industry_code',
            'vintage',
            'class_2011',
            'division_2011',
            'is_manufacturing',
            'is_ict',
            'ownership_group',
            'is_cap25',
            'is_sales_20m',
            'va_method',
            'gross_output',
            'value_added',
            'employment',
            'export_value',
        ]) }} as value_added_digest
    from {{ ref('int_firm_years_value_added') }}
    group by year
)

select
    year,
    value_added_digest,
    concat_ws(
        ':',
        value_added_digest,
        {{ var('sdc_min_firms') | int }},
        {{ var('sdc_dominance') | int }},
        {{ var('sdc_p') | int }},
        {{ var('sdc_protection_floor') | int }},
        {{ var('sdc_secondary_cycles') | int }}
    ) as disclosure_digest
from firm_year_digests
