-- Related and unrelated variety of each city unit's manufacturing (Frenken, Van Oort &
-- Verburg 2007), log base 2, over its published group cells: unrelated = entropy of the
-- division shares P_d of manufacturing output; related = Σ_d P_d · H_d, H_d the entropy of the
-- group shares within division d. Each term is summed exactly (DECIMAL), so the value does not
-- depend on the order the engine adds the groups in.
with

group_outputs as (
    select
        city_code,
        year,
        left(industry_code, 2) as division_code,
        gross_output
    from {{ ref('int_city_year_published_outputs') }}
    where industry_level = 'group' and gross_output > 0
),

manufacturing_outputs as (
    select
        city_code,
        year,
        sum(gross_output) as mfg_output
    from group_outputs
    group by city_code, year
),

division_outputs as (
    select
        city_code,
        year,
        division_code,
        sum(gross_output) as division_output
    from group_outputs
    group by city_code, year, division_code
),

within_division_entropies as (
    select
        group_outputs.city_code,
        group_outputs.year,
        group_outputs.division_code,
        {{ exact_sum(entropy_term(
            'group_outputs.gross_output', 'division_outputs.division_output'
        )) }} as entropy
    from group_outputs
    inner join division_outputs
        on
            group_outputs.city_code = division_outputs.city_code
            and group_outputs.year = division_outputs.year
            and group_outputs.division_code = division_outputs.division_code
    group by group_outputs.city_code, group_outputs.year, group_outputs.division_code
),

division_terms as (
    select
        division_outputs.city_code,
        division_outputs.year,
        {{ entropy_term(
            'division_outputs.division_output', 'manufacturing_outputs.mfg_output'
        ) }} as unrelated_term,
        cast(division_outputs.division_output as double)
        / cast(manufacturing_outputs.mfg_output as double)
        * cast(within_division_entropies.entropy as double) as related_term
    from division_outputs
    inner join manufacturing_outputs
        on
            division_outputs.city_code = manufacturing_outputs.city_code
            and division_outputs.year = manufacturing_outputs.year
    inner join within_division_entropies
        on
            division_outputs.city_code = within_division_entropies.city_code
            and division_outputs.year = within_division_entropies.year
            and division_outputs.division_code = within_division_entropies.division_code
)

select
    city_code,
    year,
    cast({{ exact_sum('related_term') }} as double) as related_variety,
    cast({{ exact_sum('unrelated_term') }} as double) as unrelated_variety
from division_terms
group by city_code, year
