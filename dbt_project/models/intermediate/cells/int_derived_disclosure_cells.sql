{{ config(materialized='incremental', **by_year_incremental()) }}
-- Primary disclosure status of the unpublished ASIF populations that indicators reveal
-- together with published cells: a share × its published denominator gives the numerator,
-- and denominator − numerator gives the complement, so both must pass the primary rules, in
-- every magnitude (indicators use any). Per published city unit × year; a population without
-- firms has no row (a known zero). Incremental by year (int_asif_year_digests, thresholds).
{%- set magnitudes = sdc_magnitudes() %}
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

-- each firm-year with its published city unit
unit_firms as (
    select
        units.city_code,
        firm_years.year,
        firm_years.firm_id,
        firm_years.ownership_group,
        firm_years.is_manufacturing,
        firm_years.is_ict,
        firm_years.is_cap25,
        firm_years.is_sales_20m,
        {%- for magnitude in magnitudes %}
        cast(firm_years.{{ magnitude }} as decimal(38, 3)) as {{ magnitude }},
        {%- endfor %}
        firm_years.va_method
    from {{ ref('int_firm_years_value_added') }} as firm_years
    inner join {{ ref('int_firm_year_city_units') }} as units
        on firm_years.year = units.year and firm_years.firm_id = units.firm_id
    where
        units.unit_kind = 'unit'
        and firm_years.year in (select years_to_build.year from years_to_build)
),

-- ICT firms ranked by output in their city unit (ranking only them sorts a tenth of the rows)
firm_units as (
    select
        *,
        row_number() over (
            partition by city_code, year
            order by gross_output desc nulls last, firm_id asc
        ) as ict_rank
    from unit_firms
    where is_ict
    union all
    select
        *,
        null as ict_rank
    from unit_firms
    where not coalesce(is_ict, false)
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
        {%- for magnitude in magnitudes %}
        {{ sdc_complement_contribution(
            'firm_units.' ~ magnitude, 'segment_weights.weight'
        ) | indent(8) }} as {{ magnitude }},
        {%- endfor %}
        firm_units.firm_id
    from firm_units
    cross join segments
    left join segment_weights
        on
            firm_units.year = segment_weights.year
            and firm_units.firm_id = segment_weights.firm_id
            and segments.segment = segment_weights.segment
    where firm_units.is_ict
),

-- the populations each firm belongs to, one pass over the firms (the list drops the
-- NULLs of populations it is not in; the names are distinct anyway)
firm_populations as (
    select
        city_code,
        year,
        firm_id,
        {{ magnitudes | join(', ') }},
        {% call distinct_non_null_list() %}
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
        {% endcall %} as populations
    from firm_units
),

contributions as (
    select
        city_code,
        year,
        population,
        firm_id,
        {{ magnitudes | join(', ') }}
    from (
        select
            city_code,
            year,
            {{ list_elements('populations') }} as population,
            firm_id,
            {{ magnitudes | join(', ') }}
        from firm_populations
    ) as memberships
    union all
    select
        city_code,
        year,
        population,
        firm_id,
        {{ magnitudes | join(', ') }}
    from segment_complements
    where gross_output > 0
),

populations as (
    select
        city_code,
        year,
        population,
        {%- for magnitude in magnitudes %}
        sum({{ magnitude }}) as {{ magnitude }},
        {{ largest_values(magnitude, 2) }} as top_{{ magnitude }},
        {%- endfor %}
        count(*) as contributors
    from contributions
    group by city_code, year, population
),

population_statuses as (
    select
        {%- for magnitude in magnitudes %}
        {{ sdc_primary_status(
            'contributors', first_element('top_' ~ magnitude),
            array_total('top_' ~ magnitude), magnitude
        ) | indent(8) }} as status_{{ magnitude }},
        {%- endfor %}
        city_code,
        year,
        population,
        contributors,
        gross_output
    from populations
)

-- each magnitude's status, and 'C' when any fails the rules
select
    population_statuses.*,
    case
        when 'C' in (
            {%- for magnitude in magnitudes %}
            status_{{ magnitude }},
            {%- endfor %}
            'F'
        ) then 'C'
        else 'F'
    end as conf_status,
    years_to_build.built_from
from population_statuses
inner join years_to_build on population_statuses.year = years_to_build.year
