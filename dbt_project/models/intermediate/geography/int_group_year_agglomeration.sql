{{ config(materialized='incremental', **by_year_incremental()) }}
-- Ellison–Glaeser agglomeration γ of each harmonised manufacturing group and year over the
-- matrix locations (municipalities and prefecture-level cities):
--   G = Σ_c (s_cg − x_c)², s_cg the city's share of the group's output, x_c its share of
--       manufacturing output (every matrix location, present in the group or not);
--   H = Σ_k z_k², z_k firm k's share of the group's output (a firm split across groups by the
--       crosswalk counts with its weighted output in each);
--   γ = (G / (1 − Σ_c x_c²) − H) / (1 − H), NULL when one firm makes the whole group.
-- H is firm-level and never leaves the warehouse; the firm count decides whether γ is shown.
-- γ is rounded to 12 decimals.
-- Shares are DOUBLE; each sum over cities or firms is exact (DECIMAL), so the bytes do not
-- depend on the engine's order of addition. Incremental by year on the digest of the
-- firm-years' shape and gross output (int_asif_year_digests), all that γ reads.
with

year_inputs as (
    select
        year,
        gross_output_rows_digest as input_key
    from {{ ref('int_asif_year_digests') }}
),

years_to_build as (
    {{ years_to_build('year_inputs') | indent(4) }}
),

matrix_units as (
    select
        units.year,
        units.firm_id,
        units.city_code
    from {{ ref('int_firm_year_city_units') }} as units
    inner join {{ ref('cities') }} as cities on units.city_code = cities.city_code
    where
        units.unit_kind = 'unit' and cities.level in ('prefecture', 'municipality')
        and units.year in (select years_to_build.year from years_to_build)
),

firm_contributions as (
    select
        matrix_units.city_code,
        firm_years.year,
        firm_years.firm_id,
        group_weights.industry_code,
        cast(firm_years.gross_output as decimal(38, 3)) * group_weights.weight as gross_output
    from {{ ref('int_firm_years_value_added') }} as firm_years
    inner join {{ ref('int_firm_year_industry_weights') }} as group_weights
        on
            firm_years.year = group_weights.year
            and firm_years.firm_id = group_weights.firm_id
    inner join matrix_units
        on
            firm_years.year = matrix_units.year
            and firm_years.firm_id = matrix_units.firm_id
    where
        firm_years.year in (select years_to_build.year from years_to_build)
        and firm_years.is_manufacturing
        and firm_years.gross_output > 0
        and group_weights.industry_level = 'group'
        and group_weights.weight > 0
),

group_totals as (
    select
        year,
        industry_code,
        sum(gross_output) as group_output,
        count(distinct firm_id) as contributors
    from firm_contributions
    group by year, industry_code
),

city_group_outputs as (
    select
        year,
        industry_code,
        city_code,
        sum(gross_output) as gross_output
    from firm_contributions
    group by year, industry_code, city_code
),

city_manufacturing as (
    select
        city_code,
        year,
        sum(gross_output) as gross_output
    from city_group_outputs
    group by city_code, year
),

national_manufacturing as (
    select
        year,
        sum(gross_output) as gross_output
    from city_manufacturing
    group by year
),

city_shares as (
    select
        city_manufacturing.city_code,
        city_manufacturing.year,
        cast(city_manufacturing.gross_output as double)
        / cast(national_manufacturing.gross_output as double) as mfg_share
    from city_manufacturing
    inner join national_manufacturing on city_manufacturing.year = national_manufacturing.year
),

-- Σ_c x_c² of the year
manufacturing_concentration as (
    select
        year,
        cast({{ exact_sum('mfg_share * mfg_share') }} as double) as sum_squared_shares
    from city_shares
    group by year
),

-- Σ_c (s_cg² − 2 s_cg x_c) over the cities present in the group; the absent ones add x_c²
-- only, so G = this + Σ_c x_c²
present_city_terms as (
    select
        city_group_outputs.year,
        city_group_outputs.industry_code,
        cast({{ exact_sum(
            'group_share * group_share - 2 * group_share * city_shares.mfg_share'
        ) }} as double) as present_terms
    from (
        select
            city_group_outputs.*,
            cast(city_group_outputs.gross_output as double)
            / cast(group_totals.group_output as double) as group_share
        from city_group_outputs
        inner join group_totals
            on
                city_group_outputs.year = group_totals.year
                and city_group_outputs.industry_code = group_totals.industry_code
    ) as city_group_outputs
    inner join city_shares
        on
            city_group_outputs.year = city_shares.year
            and city_group_outputs.city_code = city_shares.city_code
    group by city_group_outputs.year, city_group_outputs.industry_code
),

firm_herfindahl as (
    select
        firm_outputs.year,
        firm_outputs.industry_code,
        cast({{ exact_sum('firm_share * firm_share') }} as double) as herfindahl
    from (
        select
            firm_contributions.year,
            firm_contributions.industry_code,
            cast(sum(firm_contributions.gross_output) as double)
            / cast(min(group_totals.group_output) as double) as firm_share
        from firm_contributions
        inner join group_totals
            on
                firm_contributions.year = group_totals.year
                and firm_contributions.industry_code = group_totals.industry_code
        group by
            firm_contributions.year, firm_contributions.industry_code,
            firm_contributions.firm_id
    ) as firm_outputs
    group by firm_outputs.year, firm_outputs.industry_code
)

select
    group_totals.year,
    group_totals.industry_code,
    group_totals.contributors,
    -- G ≈ H for a group spread like its firms: the difference cancels most digits, and the
    -- engines' last-digit differences in the exact sums would show; 12 decimals are kept
    -- (DECIMAL(18, 12): on Spark a 38-digit division would keep only 6)
    case
        when firm_herfindahl.herfindahl < 1 and manufacturing_concentration.sum_squared_shares < 1
            then cast({{ rounded_decimal(
                '((present_city_terms.present_terms'
                ~ ' + manufacturing_concentration.sum_squared_shares)'
                ~ ' / (1 - manufacturing_concentration.sum_squared_shares)'
                ~ ' - firm_herfindahl.herfindahl) / (1 - firm_herfindahl.herfindahl)',
                18, 12
            ) }} as double)
    end as eg_index,
    years_to_build.built_from
from group_totals
inner join years_to_build on group_totals.year = years_to_build.year
inner join present_city_terms
    on
        group_totals.year = present_city_terms.year
        and group_totals.industry_code = present_city_terms.industry_code
inner join firm_herfindahl
    on
        group_totals.year = firm_herfindahl.year
        and group_totals.industry_code = firm_herfindahl.industry_code
inner join manufacturing_concentration on group_totals.year = manufacturing_concentration.year
