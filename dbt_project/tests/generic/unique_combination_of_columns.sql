{#- citygvc's own composite-key test (documented in _generic_tests.yml): fails for every
    combination of the given columns that occurs more than once (NULLs compare equal, as in
    GROUP BY). Modelled on dbt_utils' test of the same name; the project installs no packages. -#}
{% test unique_combination_of_columns(model, combination_of_columns) %}

select
    {{ combination_of_columns | join(',\n    ') }},
    count(*) as occurrences
from {{ model }}
group by {{ combination_of_columns | join(', ') }}
having count(*) > 1

{% endtest %}
