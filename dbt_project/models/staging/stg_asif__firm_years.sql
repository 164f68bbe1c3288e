{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='year') }}
-- ASIF firm-years of the effective release of each year (superseded revisions excluded),
-- typed, codes trimmed, exact duplicate rows removed and counted. Incremental by year: a
-- year is rebuilt when its effective release changes (a new year or a new revision).
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

raw_rows as (
    select
        raw_asif.*,
        years_to_build.built_from
    from {{ source('raw', 'asif') }} as raw_asif
    inner join effective_releases on raw_asif.release_id = effective_releases.input_key
    inner join years_to_build on raw_asif.period = years_to_build.year
),

typed_rows as (
    select
        release_id,
        source_file,
        source_row,
        period as year,
        nullif(trim(firm_id), '') as firm_id,
        nullif(trim(firm_name), '') as firm_name,
        nullif(trim(location_code), '') as location_code,
        nullif(trim(industry_code), '') as industry_code,
        nullif(trim(registration_type), '') as registration_type,
        founding_year,
        employment,
        cast(gross_output as decimal(18, 3)) as gross_output,
        cast(value_added as decimal(18, 3)) as value_added,
        cast(intermediate_input as decimal(18, 3)) as intermediate_input,
        cast(vat_payable as decimal(18, 3)) as vat_payable,
        cast(sales as decimal(18, 3)) as sales,
        cast(export_value as decimal(18, 3)) as export_value,
        cast(paid_in_capital as decimal(18, 3)) as paid_in_capital,
        cast(capital_state as decimal(18, 3)) as capital_state,
        cast(capital_collective as decimal(18, 3)) as capital_collective,
        cast(capital_legal_person as decimal(18, 3)) as capital_legal_person,
        cast(capital_individual as decimal(18, 3)) as capital_individual,
        cast(capital_hmt as decimal(18, 3)) as capital_hmt,
        cast(capital_foreign as decimal(18, 3)) as capital_foreign,
        built_from
    from raw_rows
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
