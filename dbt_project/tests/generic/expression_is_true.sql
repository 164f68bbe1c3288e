{#- citygvc's own row-condition test (documented in _generic_tests.yml), modelled on dbt_utils'
    test of the same name. Fails for every row where the SQL boolean expression is not true
    (NULL counts as false, so the expression must handle NULLs it allows). -#}
{% test expression_is_true(model, expression) %}

select *
from {{ model }}
where not coalesce(({{ expression }}), false)

{% endtest %}
