{{ config(materialized='incremental', **by_year_incremental()) }}
-- Each kept ASIF firm-year's industry in the harmonised classification (GB/T 4754-2011):
-- its class of the year's vintage (1994: its group) crosswalked to 2011 classes with fixed weights,
-- summed to harmonised divisions, to their three-digit groups and, for classes of division 39,
-- to ICT segments. A firm
-- whose code splits contributes weight × its values to each target (e.g. 2002 class 4014:
-- 0.4 telecom_equipment, 0.6 handsets). Incremental by year (the year's release).
with

screened_releases as (
    select distinct
        year,
        release_id as input_key
    from {{ ref('int_firm_years_screened') }}
),

years_to_build as (
    {{ years_to_build('screened_releases') | indent(4) }}
),

kept_firm_years as (
    select
        screened.year,
        screened.firm_id,
        screened.vintage,
        screened.classification_code,
        years_to_build.built_from
    from {{ ref('int_firm_years_screened') }} as screened
    inner join years_to_build on screened.year = years_to_build.year
    where screened.drop_reason is null
),

class_crosswalk as (
    select
        vintage,
        code,
        class_2011,
        weight
    from {{ ref('int_industry_crosswalk_composed') }}
),

segments as (
    select
        code_2011,
        segment
    from {{ ref('ict_segment_map') }}
),

harmonised_classes as (
    select
        kept_firm_years.year,
        kept_firm_years.firm_id,
        kept_firm_years.built_from,
        class_crosswalk.class_2011,
        left(class_crosswalk.class_2011, 2) as division_2011,
        segments.segment,
        class_crosswalk.weight
    from kept_firm_years
    inner join class_crosswalk
        on
            kept_firm_years.vintage = class_crosswalk.vintage
            and kept_firm_years.classification_code = class_crosswalk.code
    left join segments on class_crosswalk.class_2011 = segments.code_2011
)

select
    year,
    firm_id,
    'division' as industry_level,
    division_2011 as industry_code,
    sum(weight) as weight,
    built_from
from harmonised_classes
group by year, firm_id, built_from, division_2011
union all
select
    year,
    firm_id,
    'group' as industry_level,
    left(class_2011, 3) as industry_code,
    sum(weight) as weight,
    built_from
from harmonised_classes
group by year, firm_id, built_from, left(class_2011, 3)
union all
select
    year,
    firm_id,
    'ict_segment' as industry_level,
    segment as industry_code,
    sum(weight) as weight,
    built_from
from harmonised_classes
where segment is not null
group by year, firm_id, built_from, segment
