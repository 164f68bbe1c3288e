{{ config(
    materialized='incremental',
    on_schema_change='append_new_columns',
    **by_year_incremental()
) }}
-- Every ASIF firm-year of every release in raw.asif (int_asif_firm_years_in_force picks the
-- one in force), typed (money DECIMAL(18,3), thousand yuan), codes trimmed, exact duplicates
-- removed and counted, a firm_id on differing rows resolved by the duplicate rule (docs/
-- schemas.md#duplicates). Incremental by year: rebuilt when its releases or the SQL change.
{%- set firm_year_columns = [
    'release_id', 'year', 'firm_id', 'source_file', 'source_row', 'duplicates_removed',
    'firm_id_rows_dropped', 'firm_name', 'location_code', 'industry_code', 'registration_type',
    'founding_year', 'employment', 'gross_output', 'value_added', 'intermediate_input',
    'vat_payable', 'sales', 'export_value', 'paid_in_capital', 'capital_state',
    'capital_collective', 'capital_legal_person', 'capital_individual', 'capital_hmt',
    'capital_foreign', 'built_from'
] %}
with

raw_rows as (
    select * from {{ source('raw', 'asif') }}
),

year_releases as (
    select
        period as year,
        {{ sorted_distinct_list('release_id', ',') }} as input_key
    from raw_rows
    group by period
),

years_to_build as (
    {{ years_to_build('year_releases') | indent(4) }}
),

typed_rows as (
    select
        raw_rows.release_id,
        raw_rows.source_file,
        raw_rows.source_row,
        raw_rows.period as year,
        nullif(trim(raw_rows.firm_id), '') as firm_id,
        nullif(trim(raw_rows.firm_name), '') as firm_name,
        nullif(trim(raw_rows.location_code), '') as location_code,
        nullif(trim(raw_rows.industry_code), '') as industry_code,
        nullif(trim(raw_rows.registration_type), '') as registration_type,
        raw_rows.founding_year,
        raw_rows.employment,
        cast(raw_rows.gross_output as decimal(18, 3)) as gross_output,
        cast(raw_rows.value_added as decimal(18, 3)) as value_added,
        cast(raw_rows.intermediate_input as decimal(18, 3)) as intermediate_input,
        cast(raw_rows.vat_payable as decimal(18, 3)) as vat_payable,
        cast(raw_rows.sales as decimal(18, 3)) as sales,
        cast(raw_rows.export_value as decimal(18, 3)) as export_value,
        cast(raw_rows.paid_in_capital as decimal(18, 3)) as paid_in_capital,
        cast(raw_rows.capital_state as decimal(18, 3)) as capital_state,
        cast(raw_rows.capital_collective as decimal(18, 3)) as capital_collective,
        cast(raw_rows.capital_legal_person as decimal(18, 3)) as capital_legal_person,
        cast(raw_rows.capital_individual as decimal(18, 3)) as capital_individual,
        cast(raw_rows.capital_hmt as decimal(18, 3)) as capital_hmt,
        cast(raw_rows.capital_foreign as decimal(18, 3)) as capital_foreign,
        years_to_build.built_from
    from raw_rows
    inner join years_to_build on raw_rows.period = years_to_build.year
),

-- Only rows sharing a firm id in a release's year (or without one) can be copies or rival
-- records; the rest (nearly all) skip the two passes below, which hash or sort whole rows.
repeated_ids as (
    select
        release_id,
        year,
        firm_id
    from typed_rows
    group by release_id, year, firm_id
    having count(*) > 1 or firm_id is null
),

single_rows as (
    select
        typed_rows.*,
        0 as duplicates_removed,
        0 as firm_id_rows_dropped
    from typed_rows
    anti join repeated_ids
        on
            typed_rows.release_id = repeated_ids.release_id
            and typed_rows.year = repeated_ids.year
            and typed_rows.firm_id = repeated_ids.firm_id
    where typed_rows.firm_id is not null
),

repeated_rows as (
    select
        typed_rows.*,
        -- print order (file, row), compared only within a release: numbering these rows keeps it
        row_number() over (
            partition by typed_rows.release_id
            order by typed_rows.source_file asc, typed_rows.source_row asc
        ) as print_order
    from typed_rows
    semi join repeated_ids
        on
            typed_rows.release_id = repeated_ids.release_id
            and typed_rows.year = repeated_ids.year
            and typed_rows.firm_id is not distinct from repeated_ids.firm_id
),

-- rows equal in every canonical column are one record printed twice: keep the first copy
deduplicated_rows as (
    select
        release_id,
        year,
        firm_id,
        firm_name,
        location_code,
        industry_code,
        registration_type,
        founding_year,
        employment,
        gross_output,
        value_added,
        intermediate_input,
        vat_payable,
        sales,
        export_value,
        paid_in_capital,
        capital_state,
        capital_collective,
        capital_legal_person,
        capital_individual,
        capital_hmt,
        capital_foreign,
        built_from,
        {{ value_at_min('source_file', 'print_order') }} as source_file,
        {{ value_at_min('source_row', 'print_order') }} as source_row,
        min(print_order) as print_order,
        count(*) - 1 as duplicates_removed
    from repeated_rows
    group by all
),

-- A firm_id on differing records of a release's year (`duplicates drop id year, force`):
-- the largest gross output stays (ties: printed first), the other rows are counted on it.
-- Ingestion applies the same rule (orchestration/ingest/duplicates.py), lists the ids in
-- ops.duplicate_firm_ids and quarantines a release that would lose > 1 % of its rows to it.
ranked_records as (
    select
        *,
        case
            when firm_id is null then 1
            else row_number() over (
                partition by release_id, year, firm_id
                order by gross_output desc nulls last, print_order asc
            )
        end as firm_rank,
        case
            when firm_id is null then 0
            else
                sum(duplicates_removed + 1) over (partition by release_id, year, firm_id)
                - (duplicates_removed + 1)
        end as firm_id_rows_dropped
    from deduplicated_rows
),

-- the kept record of each repeated id (and each id-less row) beside every other row
firm_years as (
    select {{ firm_year_columns | join(', ') }}
    from ranked_records
    where firm_rank = 1
    union all
    select {{ firm_year_columns | join(', ') }}
    from single_rows
)

select
    {{ firm_year_columns[:9] | join(',\n    ') }},
    -- 6 or 12 digits in any year (most files: 6 to 2003, 12 from 2004): the county-level
    -- unit is the first 6 either way
    case
        when {{ full_match('location_code', '[0-9]{6}|[0-9]{12}') }} then left(location_code, 6)
    end as loc6,
    {{ firm_year_columns[9:] | join(',\n    ') }}
from firm_years
