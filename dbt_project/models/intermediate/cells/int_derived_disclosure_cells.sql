{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='year') }}
-- Primary disclosure status of the unpublished ASIF populations that indicators reveal
-- together with published cells: a share × its published denominator gives the numerator,
-- and denominator − numerator gives the complement, so both must pass the primary rule.
-- Per published city unit × year; a population without firms has no row (a known zero).
-- Incremental by year (int_asif_year_digests, thresholds included).
with

year_inputs as (
    select
        year,
        disclosure_digest as input_key
    from {{ ref('int_asif_year_digests') }}
),

years_to_build as (
    {{ years_to_build('year_inputs') | indent(4) }}
),

firm_years as (
    select
        year,
        firm_id,
        ownership_group,
        is_manufacturing,
        is_ict,
        is_cap25,
        is_sales_20m,
        va_method,
        cast(gross_output as decimal(38, 3)) as gross_output
    from {{ ref('int_firm_years_value_added') }}
    where year in (select years_to_build.year from years_to_build)
),

units as (
    select
        year,
        firm_id,
        city_code
    from {{ ref('int_firm_year_city_units') }}
    where unit_kind = 'unit' and year in (select years_to_build.year from years_to_build)
),

firm_units as (
    select
        units.city_code,
        firm_years.*,
        case
            when firm_years.is_ict
                then row_number() over (
                    partition by units.city_code, firm_years.year, firm_years.is_ict
                    order by firm_years.gross_output desc, firm_years.firm_id asc
                )
        end as ict_rank
    from firm_years
    inner join units
        on
            firm_years.year = units.year
            and firm_years.firm_id = units.firm_id
),

segment_weights as (
    select
        year,
        firm_id,
        industry_code as segment,
        weight
    from {{ ref('int_firm_year_industry_weights') }}
    where
        industry_level = 'ict_segment'
        and year in (select years_to_build.year from years_to_build)
),

segments as (
    select distinct segment from {{ ref('ict_segment_map') }}
),

-- each ICT firm's output outside segment s (1 − its weight in s)
segment_complements as (
    select
        firm_units.city_code,
        firm_units.year,
        'ict_not_' || segments.segment as population,
        firm_units.firm_id,
        firm_units.gross_output * (1 - coalesce(segment_weights.weight, 0)) as gross_output
    from firm_units
    cross join segments
    left join segment_weights
        on
            firm_units.year = segment_weights.year
            and firm_units.firm_id = segment_weights.firm_id
            and segments.segment = segment_weights.segment
    where firm_units.is_ict
),

-- the populations each firm belongs to, one pass over the firms (list_distinct drops the
-- NULLs of populations it is not in; the names are distinct anyway)
firm_populations as (
    select
        city_code,
        year,
        firm_id,
        gross_output,
        list_distinct([
            case when is_manufacturing and not is_ict then 'mfg_not_ict' end,
            case when is_manufacturing and is_sales_20m then 'mfg_sales_20m' end,
            case when is_ict and is_sales_20m then 'ict_sales_20m' end,
            case
                when is_manufacturing and is_sales_20m and not is_ict
                    then 'mfg_sales_20m_not_ict'
            end,
            case when is_ict and ownership_group in ('hmt', 'foreign') then 'ict_fie' end,
            case when is_ict and ownership_group <> 'hmt' then 'ict_not_hmt' end,
            case when is_ict and ownership_group <> 'foreign' then 'ict_not_foreign' end,
            case when is_ict and is_cap25 then 'ict_cap25' end,
            case when is_ict and not is_cap25 then 'ict_not_cap25' end,
            case when ict_rank <= 4 then 'ict_top4' end,
            case when ict_rank > 4 then 'ict_not_top4' end,
            case when va_method <> 'reported' then 'va_imputed' else 'va_reported' end
        ]) as populations
    from firm_units
),

contributions as (
    select
        city_code,
        year,
        population,
        firm_id,
        gross_output
    from (
        select
            city_code,
            year,
            unnest(populations) as population,
            firm_id,
            gross_output
        from firm_populations
    ) as memberships
    union all
    select
        city_code,
        year,
        population,
        firm_id,
        gross_output
    from segment_complements
    where gross_output > 0
),

populations as (
    select
        city_code,
        year,
        population,
        count(*) as n_contributors,
        sum(gross_output) as gross_output,
        list_sum(max(gross_output, 2)) as top2_gross_output
    from contributions
    group by city_code, year, population
)

select
    populations.city_code,
    populations.year,
    populations.population,
    populations.n_contributors,
    populations.gross_output,
    {{ sdc_primary_status(
        'populations.n_contributors',
        'populations.top2_gross_output',
        'populations.gross_output'
    ) }} as conf_status,
    years_to_build.built_from
from populations
inner join years_to_build on populations.year = years_to_build.year
