{#- Fails for every row where the SQL boolean expression is not true (NULL counts as false,
    so the expression must handle NULLs it allows). -#}
{% test expression_is_true(model, expression) %}

select *
from {{ model }}
where not coalesce(({{ expression }}), false)

{% endtest %}
