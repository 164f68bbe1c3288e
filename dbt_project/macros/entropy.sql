{#- entropy_term(part, whole): −p · log2 p of the share p = part / whole (both positive), as
    DOUBLE — one term of a Shannon entropy in bits.
    exact_sum(term): the sum of DOUBLE terms, each rounded to 1e-18 and added as DECIMAL, so
    the result is the same bytes whatever order the engine adds the rows in (a DOUBLE sum is
    not associative; the published bytes must not depend on the engine's threads). -#}
{% macro entropy_term(part, whole) -%}
    -(cast({{ part }} as double) / cast({{ whole }} as double))
    * log2(cast({{ part }} as double) / cast({{ whole }} as double))
{%- endmacro %}

{% macro exact_sum(term) -%}
    sum(cast({{ term }} as decimal(38, 18)))
{%- endmacro %}
