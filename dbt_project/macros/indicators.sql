{#- Indicator rows generated from the indicator_measures seed (one row per source, indicator
    and breakdown naming its numerator and denominator measures).

    measures_long(relation, measures): the measure columns `measures` (a list of column names)
    of `relation` (one row per city_code and year, with release_ids, has_imputed_value_added
    and one column per measure, all of one exact type) as rows (city_code, year, release_ids,
    has_imputed_value_added, measure, amount); a NULL measure stays a row (NULL amount). The
    columns are named, not `columns(* exclude ...)`: Spark's UNPIVOT needs the list.

    indicators_from_measures(source, measures): every indicator of `source` from `measures`
    (rows as measures_long gives them; a measure name once per city and year): a row per
    city and year that has the numerator measure, the value computed once from the exact
    amounts (the ratio macro; the level itself without a denominator, NULL or ''), the
    imputed-VA flag when the seed says the indicator uses value added, and the seed's
    disclosure cells (space-separated; NULL or '' for none). -#}
{%- macro measures_long(relation, measures) -%}
select *
from {{ relation }}
unpivot include nulls (
    amount for measure in ({{ measures | join(', ') }})
)
{%- endmacro -%}

{%- macro indicators_from_measures(source, measures) -%}
select
    numerators.city_code,
    numerators.year,
    definitions.indicator_id,
    definitions.breakdown,
    case
        when coalesce(definitions.denominator, '') = '' then cast(numerators.amount as double)
        else {{ ratio('numerators.amount', 'denominators.amount') }}
    end as value,
    cast(numerators.amount as decimal(38, 6)) as numerator,
    cast(denominators.amount as decimal(38, 6)) as denominator,
    definitions.uses_value_added and numerators.has_imputed_value_added
        as has_imputed_value_added,
    numerators.release_ids,
    {{ space_separated_list('definitions.disclosure_cells') }} as disclosure_cells
from {{ ref('indicator_measures') }} as definitions
inner join {{ measures }} as numerators on definitions.numerator = numerators.measure
left join {{ measures }} as denominators
    on
        numerators.city_code = denominators.city_code
        and numerators.year = denominators.year
        and definitions.denominator = denominators.measure
where definitions.source = '{{ source }}'
{%- endmacro -%}
