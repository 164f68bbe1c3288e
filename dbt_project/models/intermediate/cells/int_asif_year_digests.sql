-- A fingerprint per ASIF year of everything the year's aggregates are built from: every
-- column of its firm-years that a cell, total or disclosure status reads (value added
-- included, which imputation may change when other years arrive), and for disclosure the
-- thresholds in force. The incremental aggregates rebuild a year when its fingerprint
-- changes. What reads less has a fingerprint of less: the firm-years' shape (which firms,
-- where, in which industry) and one magnitude, for that magnitude's disclosure pattern and,
-- for gross output, the agglomeration index. A revision of 2006 reaches later years only
-- through value added (the firms' carried ratios), so there only what reads value added is
-- rebuilt. Row hashes are summed, so the digest does not depend on row order; the hash is
-- each engine's own (rows_digest): a digest is only compared with built_from of the same
-- engine.
{%- set magnitudes = sdc_magnitudes() %}
{%- set thresholds = [
    var('sdc_min_firms') | int,
    var('sdc_dominance') | int,
    var('sdc_p') | int,
    var('sdc_protection_floor') | int,
    var('sdc_secondary_cycles') | int,
] %}
with

-- what a cell's existence, membership and firm count read, hashed once per firm-year
firm_year_shapes as (
    select
        year,
        {{ row_hash([
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
        ]) }} as shape_hash,
        {{ magnitudes | join(',\n        ') }}
    from {{ ref('int_firm_years_value_added') }}
),

firm_year_digests as (
    select
        year,
        {{ rows_digest(['shape_hash'] + magnitudes) }} as value_added_digest,
    {%- for magnitude in magnitudes %}
        {{ rows_digest(['shape_hash', magnitude]) }} as {{ magnitude }}_rows_digest
        {{- ',' if not loop.last }}
    {%- endfor %}
    from firm_year_shapes
    group by year
)

select
    year,
    value_added_digest,
    concat_ws(':', value_added_digest, {{ thresholds | join(', ') }}) as disclosure_digest,
{%- for magnitude in magnitudes %}
    {{ magnitude }}_rows_digest,
    concat_ws(':', {{ magnitude }}_rows_digest, {{ thresholds | join(', ') }})
        as {{ magnitude }}_disclosure_digest
    {{- ',' if not loop.last }}
{%- endfor %}
from firm_year_digests
