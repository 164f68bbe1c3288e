{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='year') }}
-- ASIF firm-years of the effective release of each year (superseded revisions excluded),
-- exact duplicate rows removed and counted; typed rows come from stg_asif__release_rows.
-- Incremental by year: a year is rebuilt when its effective release changes (a new year or
-- a new revision). Reads two staging models: see _raw__models.yml for why.
with

effective_releases as (
    select
        period as year,
        release_id as input_key
    from {{ ref('stg_ops__release_supply') }}
    where dataset = 'asif' and is_effective
),

years_to_build as (
    {{ years_to_build('effective_releases') | indent(4) }}
),

typed_rows as (
    select
        release_rows.*,
        years_to_build.built_from
    from {{ ref('stg_asif__release_rows') }} as release_rows
    inner join effective_releases on release_rows.release_id = effective_releases.input_key
    inner join years_to_build on release_rows.year = years_to_build.year
),

-- rows equal in every canonical column are one record printed twice: keep the first
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
        min(source_file) as source_file,
        min(source_row) as source_row,
        count(*) - 1 as duplicates_removed
    from typed_rows
    group by
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
        built_from
)

select
    release_id,
    year,
    firm_id,
    source_file,
    source_row,
    duplicates_removed,
    firm_name,
    location_code,
    -- 6 digits to 2003, 12 from 2004: the county-level unit is the first 6 either way
    case
        when regexp_full_match(location_code, '[0-9]{6}|[0-9]{12}') then left(location_code, 6)
    end as loc6,
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
    built_from
from deduplicated_rows
