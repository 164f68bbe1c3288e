{#- Engine-specific spellings used by the release and firm-panel models (same style as
    macros/portable.sql: one dispatch macro each, duckdb__ is the SQL the models had). -#}


{#- split_to_rows(expr, separator): a select-list item giving one row per item of the string
    `expr` split on `separator` (a literal character, not a regular expression metacharacter);
    trim or filter the items in a CTE above, since Spark cannot nest a generator. -#}
{% macro split_to_rows(expr, separator) -%}
    {{ return(adapter.dispatch('split_to_rows', 'citygvc')(expr, separator)) }}
{%- endmacro %}

{% macro duckdb__split_to_rows(expr, separator) -%}
    unnest(string_split({{ expr }}, '{{ separator }}'))
{%- endmacro %}

{% macro spark__split_to_rows(expr, separator) -%}
    explode(split({{ expr }}, '{{ separator }}'))
{%- endmacro %}


{#- all_columns_except(relation, columns): every column of `relation` but `columns` (a list
    of names), for a select list reading `relation` unaliased. Spark has no `* exclude`, so
    its branch lists the relation's columns (known only at execution). -#}
{% macro all_columns_except(relation, columns) -%}
    {{ return(adapter.dispatch('all_columns_except', 'citygvc')(relation, columns)) }}
{%- endmacro %}

{% macro duckdb__all_columns_except(relation, columns) -%}
    * exclude ({{ columns | join(', ') }})
{%- endmacro %}

{% macro spark__all_columns_except(relation, columns) -%}
    {%- if execute -%}
        {%- set kept = [] -%}
        {%- for column in adapter.get_columns_in_relation(relation) -%}
            {%- if column.name | lower not in columns | map('lower') | list -%}
                {%- do kept.append(adapter.quote(column.name)) -%}
            {%- endif -%}
        {%- endfor -%}
        {{ kept | join(', ') }}
    {%- else -%}
        *
    {%- endif -%}
{%- endmacro %}


{#- sorted_list(expr, separator): the group's values of `expr` (duplicates kept, NULLs
    skipped), sorted, joined by `separator` (a SQL string literal's contents). -#}
{% macro sorted_list(expr, separator) -%}
    {{ return(adapter.dispatch('sorted_list', 'citygvc')(expr, separator)) }}
{%- endmacro %}

{% macro duckdb__sorted_list(expr, separator) -%}
    array_to_string(list_sort(list({{ expr }})), '{{ separator }}')
{%- endmacro %}

{% macro spark__sorted_list(expr, separator) -%}
    array_join(array_sort(collect_list({{ expr }})), '{{ separator }}')
{%- endmacro %}


{#- value_at_first(value, keys): `value` of the group's first row ordered by `keys` (a list
    of non-null expressions, each ascending). -#}
{% macro value_at_first(value, keys) -%}
    {{ return(adapter.dispatch('value_at_first', 'citygvc')(value, keys)) }}
{%- endmacro %}

{% macro duckdb__value_at_first(value, keys) -%}
first(
    {{ value }}
    order by {{ keys | join(' asc, ') }} asc
)
{%- endmacro %}

{% macro spark__value_at_first(value, keys) -%}
    min_by({{ value }}, struct({{ keys | join(', ') }}))
{%- endmacro %}
