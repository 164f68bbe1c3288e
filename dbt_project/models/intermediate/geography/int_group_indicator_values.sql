-- The group-level economic-geography values with their confidentiality status, before
-- flags: rca and relatedness_density per city unit × group and pci, ubiquity per group from
-- the complexity step, eg_index per group (int_group_year_agglomeration). city_code is NULL
-- for a group's values. conf_status: rca carries its group cell's gross-output status (it
-- is that cell divided by published totals), and D when another matrix cell of its group and
-- year is hidden; relatedness_density and pci are D (they reveal presence, see below); eg_index is
-- C below the minimum firm count (sdc_min_firms); ubiquity is F.
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

matrix_locations as (
    select distinct city_code
    from {{ ref('int_city_group_outputs') }}
    where is_matrix_location
),

-- A published RCA reveals the group's national output X_g = X_cg · X / (RCA · X_c): with a
-- hidden matrix cell in the group, X_g minus the published cells would recover the hidden
-- ones. So a group-year's RCAs are shown only when none of its matrix cells is hidden.
national_group_status as (
    select
        cell_status.year,
        substring(cell_status.cell_id, 7, 3) as industry_code,
        case when bool_or(cell_status.conf_status <> 'F') then 'D' else 'F' end as conf_status
    from cell_status
    inner join matrix_locations on cell_status.city_code = matrix_locations.city_code
    where cell_status.cell_id like 'group/%/total@gross_output'
    group by cell_status.year, substring(cell_status.cell_id, 7, 3)
),

indicators as (
    select
        complexity_values.*,
        case
            -- density (a linear system in the city's presence vector) and PCI (with the
            -- city's ECI and diversity, a subset-sum over its present groups) would reveal
            -- which hidden cells have RCA ≥ 1, a bound on each; the disclosure audit finds
            -- such bounds within the protection level of primary cells: withheld
            when complexity_values.indicator_id in ('relatedness_density', 'pci') then 'D'
            when complexity_values.indicator_id <> 'rca' then 'F'
            when cell_status.conf_status <> 'F' then cell_status.conf_status
            else coalesce(national_group_status.conf_status, 'F')
        end as conf_status
    from complexity_values
    left join cell_status
        on
            complexity_values.city_code = cell_status.city_code
            and complexity_values.year = cell_status.year
            and 'group/' || complexity_values.industry_code || '/total@gross_output'
            = cell_status.cell_id
    left join national_group_status
        on
            complexity_values.year = national_group_status.year
            and complexity_values.industry_code = national_group_status.industry_code
    union all
    select * from agglomeration
)

select * from indicators
