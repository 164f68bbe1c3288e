{#- Unrolled passes, one group type each in a fixed cycle (a type's groups are disjoint: a
    pass never hides two cells for one problem); the final check flags unsafe groups. -#}
{{ config(materialized='incremental', **by_year_magnitude_incremental()) }}
{%- set group_types = ['ownership', 'segment', 'group', 'division', 'geography'] -%}
{%- set passes = var('sdc_secondary_cycles') * (group_types | length) -%}
{%- set min_firms = var('sdc_min_firms') | int -%}
{%- set dominance = var('sdc_dominance') | int -%}
-- sqlfluff:indentation:template_blocks_indent:False
-- Disclosure status of every ASIF cell and magnitude (docs/methodology.md), one row per cell ×
-- magnitude: each magnitude has its own pattern (the relations are additive in each one
-- alone). Primary 'C': int_asif_industry_cells_primary. Secondary 'D' (greedy): a group of
-- int_disclosure_groups (parent = Σ children) is unsafe when its parent is published and its
-- hidden children sum to something sensitive or one suppressed cell, or its parent is hidden
-- and every child published; it gets one more hidden member (sdc_ranked_members). A
-- remainder (rest of Suzhou), the difference of two published cells, is hidden when
-- primary-suppressed or a published cell of its geography group is; choosing it hides
-- Suzhou. Then whole division blocks of group cells (sdc_blocked_group_cells). Incremental
-- by year and magnitude: groups never cross years, and the passes never mix magnitudes (the
-- keys carry the magnitude), so a year × magnitude's pattern is the same whichever others
-- are built with it (int_asif_year_digests, thresholds included).
{#- the CTEs every pass reads, in order (each may read the ones before it) -#}
{%- set prelude_ctes = [
    'year_inputs', 'years_to_build', 'cell_numbers', 'cells', 'group_numbers', 'member_cells',
    'remainder_links', 'remainder_parents'
] -%}
{%- set magnitudes = sdc_magnitudes() -%}
{%- set prelude = [] %}
{%- set cte %}
year_inputs as (
    {{ magnitude_disclosure_inputs() | indent(4) }}
)
{%- endset %}
{%- do prelude.append(cte) %}
{%- set cte %}
years_to_build as (
    {{ keys_to_build('year_inputs', ['year', 'magnitude']) | indent(4) }}
)
{%- endset %}
{%- do prelude.append(cte) %}
{#- every cell has a row per magnitude: numbering the rows of one finds every cell, from a
    quarter of the rows -#}
{%- do prelude.append(sdc_numbered(
    'cell_numbers', 'int_asif_industry_cells_primary', 'cell',
    "magnitude = '" ~ magnitudes[0] ~ "'"
)) %}
{%- set cte %}
-- row_key: one cell × magnitude, numbered (the passes join on integers): the cell's number ×
-- the number of magnitudes + the magnitude's index, so that row_key % that number is the
-- magnitude (numbering the pairs by a sort of the text ids took twice as long)
cells as {{ materialized_cte() }} (
    select
        primary_cells.year,
        primary_cells.cell_id,
        primary_cells.magnitude,
        primary_cells.unit_kind,
        primary_cells.value,
        primary_cells.contributors,
        primary_cells.top_contributions,
        primary_cells.primary_status,
        cell_numbers.cell_number * {{ magnitudes | length }}
        + {{ sdc_magnitude_index('primary_cells.magnitude') }} as row_key
    from {{ ref('int_asif_industry_cells_primary') }} as primary_cells
    inner join cell_numbers on primary_cells.cell_id = cell_numbers.cell_id
    inner join years_to_build
        on
            primary_cells.year = years_to_build.year
            and primary_cells.magnitude = years_to_build.magnitude
)
{%- endset %}
{%- do prelude.append(cte) %}
{%- do prelude.append(sdc_numbered('group_numbers', 'int_disclosure_groups', 'group')) %}
{%- set cte %}
-- group_key: one group × magnitude, numbered like row_key
member_cells as {{ materialized_cte() }} (
    select
        group_numbers.group_number * {{ magnitudes | length }}
        + cells.row_key % {{ magnitudes | length }} as group_key,
        memberships.group_type,
        cells.row_key,
        memberships.member_role,
        cells.unit_kind,
        cells.value,
        cells.contributors,
        cells.top_contributions
    from {{ ref('int_disclosure_groups') }} as memberships
    inner join group_numbers on memberships.group_id = group_numbers.group_id
    inner join cells on memberships.cell_id = cells.cell_id
    where memberships.year in (select years_to_build.year from years_to_build)
)
{%- endset %}
{%- do prelude.append(cte) %}
{%- set cte %}
-- each remainder cell with the published cells of its geography group
remainder_links as {{ materialized_cte() }} (
    select
        remainders.row_key as remainder_key,
        units.row_key as unit_key,
        units.member_role = 'parent' as is_parent
    from member_cells as remainders
    inner join member_cells as units
        on
            remainders.group_key = units.group_key
            and units.unit_kind = 'unit'
    where remainders.group_type = 'geography' and remainders.unit_kind = 'remainder'
)
{%- endset %}
{%- do prelude.append(cte) %}
{%- set cte %}
remainder_parents as (
    select
        remainder_key,
        unit_key as parent_key
    from remainder_links
    where is_parent
)
{%- endset %}
{%- do prelude.append(cte) %}

{#- pass k: the CTEs ending in pass_k (sdc_pass), which reads pass_(k-1) -#}
{%- set passes_sql = [sdc_first_pass()] %}
{%- for i in range(1, passes + 1) %}
{%- do passes_sql.append(sdc_pass(i, group_types, min_firms, dominance)) %}
{%- endfor %}

-- the passes in a chain (cte_chain: written as tables until a cycle hides no more cells);
-- pass_before_{{ passes + 1 }}: every row a pass hid
{%- set hidden_rows = 'pass_before_' ~ (passes + 1) %}
with

{{ cte_chain(prelude, prelude_ctes, passes_sql, 'pass_', group_types | length) }},

final_group_state as (
    {{ sdc_group_state(hidden_rows) | indent(4) }}
),

final_unsafe_groups as (
    {{ sdc_unsafe_groups('final_group_state', min_firms, dominance) | indent(4) }}
),

unresolved_rows as (
    select distinct member_cells.row_key
    from member_cells
    inner join final_unsafe_groups on member_cells.group_key = final_unsafe_groups.group_key
),

-- C primary, D hidden by a pass, F published
final_statuses as (
    select
        cells.cell_id,
        cells.magnitude,
        cells.year,
        cells.primary_status,
        case
            when cells.primary_status = 'C' then 'C'
            when {{ hidden_rows }}.row_key is not null then 'D'
            else 'F'
        end as conf_status,
        unresolved_rows.row_key is not null as is_in_unresolved_group
    from cells
    left join {{ hidden_rows }} on cells.row_key = {{ hidden_rows }}.row_key
    left join unresolved_rows on cells.row_key = unresolved_rows.row_key
),

{{ sdc_blocked_group_cells('final_statuses') }}

select
    final_statuses.cell_id,
    final_statuses.magnitude,
    final_statuses.year,
    final_statuses.primary_status,
    coalesce(blocked_cells.conf_status, final_statuses.conf_status) as conf_status,
    final_statuses.is_in_unresolved_group,
    years_to_build.built_from
from final_statuses
inner join years_to_build
    on
        final_statuses.year = years_to_build.year
        and final_statuses.magnitude = years_to_build.magnitude
left join blocked_cells
    on
        final_statuses.cell_id = blocked_cells.cell_id
        and final_statuses.magnitude = blocked_cells.magnitude
