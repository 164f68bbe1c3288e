-- The group-level economic-geography values with their confidentiality status, before
-- flags: rca and relatedness_density per city unit × group and pci, ubiquity per group from
-- the complexity step, eg_index per group (int_group_year_agglomeration). city_code is NULL
-- for a group's values. conf_status: rca carries its group cell's status (it is that cell
-- divided by published totals); eg_index is C below the minimum firm count (sdc_min_firms);
-- the others are built from presence across many cells and are F.
with

complexity_values as (
    select
        city_code,
        year,
        industry_code,
        indicator_id,
        value
    from {{ ref('stg_complexity__values') }}
    where indicator_id in ('rca', 'relatedness_density', 'pci', 'ubiquity')
),

agglomeration as (
    select
        cast(null as {{ dbt.type_string() }}) as city_code,
        year,
        industry_code,
        'eg_index' as indicator_id,
        eg_index as value,
        case when contributors < {{ var('sdc_min_firms') | int }} then 'C' else 'F' end
            as conf_status
    from {{ ref('int_group_year_agglomeration') }}
),

cell_status as (
    select
        city_code,
        year,
        cell_id,
        conf_status
    from {{ ref('int_disclosure_cell_status') }}
),

indicators as (
    select
        complexity_values.*,
        case
            when complexity_values.indicator_id = 'rca' then cell_status.conf_status
            else 'F'
        end as conf_status
    from complexity_values
    left join cell_status
        on
            complexity_values.city_code = cell_status.city_code
            and complexity_values.year = cell_status.year
            and 'group/' || complexity_values.industry_code || '/total' = cell_status.cell_id
    union all
    select * from agglomeration
)

select * from indicators
