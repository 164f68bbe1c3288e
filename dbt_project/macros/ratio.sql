{#- A ratio computed once, as DOUBLE, from two exact (DECIMAL or integer) sums; NULL (not
    computable) when the denominator is NULL or 0. -#}
{% macro ratio(numerator, denominator) -%}
    case
        when ({{ denominator }}) is null or ({{ denominator }}) = 0 then null
        else cast({{ numerator }} as double) / cast({{ denominator }} as double)
    end
{%- endmacro %}
