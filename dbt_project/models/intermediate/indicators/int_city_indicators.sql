-- fct_city_indicators before disclosure is applied: both sources' indicators with their
-- unit, observation flags and confidentiality status. Stays inside the warehouse (the
-- unsuppressed value); the mart nulls C/D values when disclosure is on.
--   obs_flags  every SDMX code that applies, comma-joined in precedence order B,O,E,P
--              ('A' when none does); obs_status = its first code.
--   B          the source's break years (break_years seed);
--   O          not computable (value NULL before suppression);
--   E          any value added in it imputed (ASIF va_method other than 'reported');
--   P          from a catalog entry marked provisional.
--   conf_status  ASIF: the worst (C > D > F) status of the cells the indicator reveals;
--                fdi_city: F (published yearbook statistics).
with

indicators as (
    select * from {{ ref('int_city_indicators_unioned') }}
),

definitions as (
    select
        indicator_id,
        unit
    from {{ ref('indicator_definitions') }}
),

break_years as (
    select distinct
        dataset,
        year
    from {{ ref('break_years') }}
),

provisional_releases as (
    select release_id
    from {{ ref('stg_ops__releases') }}
    where is_provisional
),

cell_status as (
    select * from {{ ref('int_disclosure_cell_status') }}
),

revealed_cells as (
    select
        indicators.source,
        indicators.city_code,
        indicators.year,
        indicators.indicator_id,
        indicators.breakdown,
        {{ list_elements('indicators.disclosure_cells') }} as cell_id
    from indicators
),

disclosure as (
    select
        revealed_cells.source,
        revealed_cells.city_code,
        revealed_cells.year,
        revealed_cells.indicator_id,
        revealed_cells.breakdown,
        {{ sdc_worst_status('cell_status.conf_status') }} as conf_status
    from revealed_cells
    left join cell_status
        on
            revealed_cells.city_code = cell_status.city_code
            and revealed_cells.year = cell_status.year
            and revealed_cells.cell_id = cell_status.cell_id
    group by
        revealed_cells.source,
        revealed_cells.city_code,
        revealed_cells.year,
        revealed_cells.indicator_id,
        revealed_cells.breakdown
),

provisional_indicators as (
    select distinct
        indicators.source,
        indicators.city_code,
        indicators.year,
        indicators.indicator_id,
        indicators.breakdown
    from indicators
    inner join provisional_releases
        on {{ separated_list_contains(
            'indicators.release_ids', ',', 'provisional_releases.release_id'
        ) }}
),

flagged as (
    select
        indicators.city_code,
        indicators.year,
        indicators.indicator_id,
        indicators.breakdown,
        indicators.source,
        indicators.value,
        definitions.unit,
        -- concat_ws skips NULLs: the codes that apply, in precedence order
        concat_ws(
            ',',
            case when break_years.year is not null then 'B' end,
            case when indicators.value is null then 'O' end,
            case when indicators.has_imputed_value_added then 'E' end,
            case when provisional_indicators.indicator_id is not null then 'P' end
        ) as flag_codes,
        coalesce(disclosure.conf_status, 'F') as conf_status,
        indicators.release_ids,
        indicators.numerator,
        indicators.denominator
    from indicators
    left join definitions on indicators.indicator_id = definitions.indicator_id
    left join break_years
        on
            indicators.source = break_years.dataset
            and indicators.year = break_years.year
    left join provisional_indicators
        on
            indicators.source = provisional_indicators.source
            and indicators.city_code = provisional_indicators.city_code
            and indicators.year = provisional_indicators.year
            and indicators.indicator_id = provisional_indicators.indicator_id
            and indicators.breakdown = provisional_indicators.breakdown
    left join disclosure
        on
            indicators.source = disclosure.source
            and indicators.city_code = disclosure.city_code
            and indicators.year = disclosure.year
            and indicators.indicator_id = disclosure.indicator_id
            and indicators.breakdown = disclosure.breakdown
)

select
    city_code,
    year,
    indicator_id,
    breakdown,
    source,
    value,
    unit,
    {{ obs_status_columns('flag_codes') }},
    conf_status,
    release_ids,
    numerator,
    denominator
from flagged
