{{ config(materialized='incremental', **by_year_incremental()) }}
-- Every staged ASIF firm-year with its classification vintage, industry attributes of that
-- vintage, ownership group and the cleaning rule that drops it (NULL = kept). Only validity
-- rules drop rows (docs/schemas.md: no trimming of large firms); every drop is counted
-- in fct_data_quality under the first rule that applies. Incremental by year (the year's
-- release).
with

staged_releases as (
    select distinct
        year,
        release_id as input_key
    from {{ ref('int_asif_firm_years_in_force') }}
),

years_to_build as (
    {{ years_to_build('staged_releases') | indent(4) }}
),

firm_years as (
    select *
    from {{ ref('int_asif_firm_years_in_force') }}
    where year in (select years_to_build.year from years_to_build)
),

vintages as (
    select
        year_from,
        year_to,
        vintage
    from {{ ref('classification_vintages') }}
    where dataset = 'asif'
),

industry_classes as (
    select
        vintage,
        code,
        division,
        is_manufacturing,
        is_ict
    from {{ ref('int_industry_codes_unioned') }}
),

registration_types as (
    select
        code,
        ownership_group
    from {{ ref('registration_types') }}
),

mapped_locations as (
    select distinct
        year,
        loc6
    from {{ ref('int_location_year_units') }}
),

-- the code a firm-year is validated and harmonised on: its class, or in 1994 its group
coded as (
    select
        firm_years.*,
        vintages.vintage,
        case
            when vintages.vintage = '1994' then left(firm_years.industry_code, 3)
            else firm_years.industry_code
        end as classification_code
    from firm_years
    left join vintages on firm_years.year between vintages.year_from and vintages.year_to
),

attributed as (
    select
        coded.*,
        industry_classes.division as vintage_division,
        industry_classes.is_manufacturing,
        industry_classes.is_ict,
        registration_types.ownership_group,
        mapped_locations.loc6 is not null as has_city_unit
    from coded
    left join industry_classes
        on
            coded.vintage = industry_classes.vintage
            and coded.classification_code = industry_classes.code
    left join registration_types on coded.registration_type = registration_types.code
    left join mapped_locations
        on
            coded.year = mapped_locations.year
            and coded.loc6 = mapped_locations.loc6
),

flagged as (
    select
        *,
        case
            when firm_id is null then 'missing_firm_id'
            when gross_output is null or gross_output <= 0 then 'non_positive_gross_output'
            when loc6 is null then 'invalid_location_code'
            when not has_city_unit then 'unmapped_location_code'
            when vintage_division is null then 'unmapped_industry_code'
            when ownership_group is null then 'unmapped_registration_type'
        end as drop_reason
    from attributed
)

select
    flagged.*,
    years_to_build.built_from
from flagged
inner join years_to_build on flagged.year = years_to_build.year
