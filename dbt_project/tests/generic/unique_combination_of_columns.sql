{#- citygvc's own composite-key test (documented in _generic_tests.yml): fails for every
    combination of the given columns that occurs more than once (NULLs compare equal, as in
    GROUP BY). Modelled on dbt_utils' test of the same name; the project installs no packages.
    The rows are grouped by a hash of their key first, and only those whose hash repeats by
    the key itself: grouping 17 million rows by one 64-bit number takes about half the time of
    grouping them by four text columns, and a hash collision is never reported. -#}
{% test unique_combination_of_columns(model, combination_of_columns) %}

with

key_hashes as (
    select {{ row_hash(combination_of_columns) }} as key_hash
    from {{ model }}
),

repeated_hashes as (
    select key_hash
    from key_hashes
    group by key_hash
    having count(*) > 1
)

select
    {{ combination_of_columns | join(',\n    ') }},
    count(*) as occurrences
from {{ model }}
where {{ row_hash(combination_of_columns) }} in (select key_hash from repeated_hashes)
group by {{ combination_of_columns | join(', ') }}
having count(*) > 1

{% endtest %}
