{#- The passes of the greedy secondary suppression (int_asif_industry_cells_disclosure;
    building blocks in sdc.sql), links of a cte_chain: pass_i holds the rows (row_key, one
    cell × magnitude) it hides, with hidden_in = i, and reads pass_before_i, every row hidden
    before it; a row in none is published.

    sdc_numbered(name, model, entity, condition): the CTE `name`: each `entity`_id of the
    model's rows in the years being built (and meeting the SQL `condition`), numbered 1, 2, …
    in id order as `entity`_number (reads the CTE years_to_build).

    sdc_magnitude_index(column): the position of the magnitude `column` in sdc_magnitudes(),
    from 0.

    sdc_first_pass(): pass_0, the primary-suppressed rows and the remainders they reveal
    (sdc_revealed_remainders). Reads the CTEs cells and remainder_links.

    sdc_pass(i, group_types, min_firms, dominance): CTEs ending in pass_i: the groups of type
    group_types[(i-1) % n] that are unsafe get one more hidden member each. Only the groups a
    cell was hidden in since the type's previous pass are examined: the others are as they
    were then, safe or with nothing left to hide (at national scale a late pass examines
    about a hundred of the 5 million groups). Both render at zero indentation, without a
    comma after the last CTE. -#}
{%- macro sdc_numbered(name, model, entity, condition='true') -%}
{{ name }} as (
    select
        {{ entity }}_id,
        dense_rank() over (order by {{ entity }}_id) as {{ entity }}_number
    from (
        select distinct {{ entity }}_id
        from {{ ref(model) }}
        where year in (select years_to_build.year from years_to_build) and {{ condition }}
    ) as built_ids
)
{%- endmacro %}


{%- macro sdc_magnitude_index(column) -%}
case {{ column }}
{%- for magnitude in sdc_magnitudes() %} when '{{ magnitude }}' then {{ loop.index0 }}
{%- endfor %} end
{%- endmacro %}


{%- macro sdc_first_pass() -%}
primary_rows_0 as (
    select row_key
    from cells
    where primary_status = 'C'
),

revealed_0 as (
    {{ sdc_revealed_remainders('primary_rows_0') | indent(4) }}
),

pass_0 as {{ materialized_cte() }} (
    select
        row_key,
        0 as hidden_in
    from primary_rows_0
    union
    select
        row_key,
        0 as hidden_in
    from revealed_0
)
{%- endmacro %}


{#- sdc_revealed_remainders(hiding, hidden): the remainders that hiding the rows `hiding`
    (row_key) reveals — a remainder is the difference of published cells — but for those
    among the rows `hidden` already (none when not given). Reads the CTE remainder_links. -#}
{%- macro sdc_revealed_remainders(hiding, hidden=none) -%}
select remainder_links.remainder_key as row_key
from remainder_links
inner join {{ hiding }} on remainder_links.unit_key = {{ hiding }}.row_key
{%- if hidden is not none %}
left join {{ hidden }} on remainder_links.remainder_key = {{ hidden }}.row_key
where {{ hidden }}.row_key is null
{%- endif %}
{%- endmacro %}


{%- macro sdc_pass(i, group_types, min_firms, dominance) -%}
{%- set group_type = group_types[(i - 1) % (group_types | length)] %}
{%- set last_pass_of_type = i - (group_types | length) %}
-- pass {{ i }}: {{ group_type }} groups
{%- if last_pass_of_type > 0 %}
changed_groups_{{ i }} as {{ materialized_cte() }} (
    select distinct member_cells.group_key
    from member_cells
    inner join pass_before_{{ i }} on member_cells.row_key = pass_before_{{ i }}.row_key
    where
        member_cells.group_type = '{{ group_type }}'
        and pass_before_{{ i }}.hidden_in >= {{ last_pass_of_type }}
),
{%- endif %}

group_state_{{ i }} as {{ materialized_cte() }} (
    {{ sdc_group_state(
        'pass_before_' ~ i, group_type,
        'changed_groups_' ~ i if last_pass_of_type > 0 else none
    ) | indent(4) }}
),

unsafe_groups_{{ i }} as {{ materialized_cte() }} (
    {{ sdc_unsafe_groups('group_state_' ~ i, min_firms, dominance) | indent(4) }}
),

-- the published members of unsafe groups, ranked: each group's first is picked
ranked_members_{{ i }} as (
    {{ sdc_ranked_members('unsafe_groups_' ~ i, 'pass_before_' ~ i) | indent(4) }}
),

picks_{{ i }} as {{ materialized_cte() }} (
    select distinct row_key
    from ranked_members_{{ i }}
    where pick_rank = 1
),

-- the published remainders a pick reveals
revealed_{{ i }} as (
    {{ sdc_revealed_remainders('picks_' ~ i, 'pass_before_' ~ i) | indent(4) }}
),

pass_{{ i }} as {{ materialized_cte() }} (
    select
        row_key,
        {{ i }} as hidden_in
    from picks_{{ i }}
    union
    select
        row_key,
        {{ i }} as hidden_in
    from revealed_{{ i }}
)
{%- endmacro %}
