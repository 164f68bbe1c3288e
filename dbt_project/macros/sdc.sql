{#- Building blocks of the secondary suppression in int_asif_industry_cells_disclosure.

    sdc_group_state(previous, group_type): per disclosure group (of one type, or all), whether
    its parent is hidden in pass `previous` and what its hidden children add up to: how many,
    their firms, gross output and the two largest contributions among them.

    sdc_with_remainders(step, name): CTEs ending in `name` = `step` with each unpublished
    remainder hidden also when a published cell of its geography group is (it is their
    difference); needs the CTE remainder_links. No comma after the last.

    sdc_unsafe_groups(state, min_firms, dominance): the groups of `state` that reveal a
    protected value: parent published while the hidden children's sum is sensitive or is one
    single suppressed cell, or parent hidden while every child is published; with the gross
    output and firms one more hidden member must add to make the hidden sum pass.

    sdc_primary_status(n_contributors, top2_gross_output, gross_output): the primary rule
    (docs/marts.md, vars sdc_min_firms and sdc_dominance) as a status, 'C' when fewer than
    sdc_min_firms firms contribute or the two largest contributions exceed sdc_dominance % of
    the gross output, else 'F'. The one place the rule is written: ASIF cells, derived
    populations and the hidden sums of the secondary passes all use it.

    The first two render at zero indentation; callers indent them with the `indent`
    filter. -#}
{%- macro sdc_primary_status(n_contributors, top2_gross_output, gross_output) -%}
    case
        when {{ n_contributors }} < {{ var('sdc_min_firms') | int }} then 'C'
        when {{ top2_gross_output }} * 100 > {{ var('sdc_dominance') | int }} * {{ gross_output }}
            then 'C'
        else 'F'
    end
{%- endmacro -%}


{%- macro sdc_group_state(previous, group_type=none) -%}
select
    member_cells.group_id,
    coalesce(
        bool_or({{ previous }}.is_hidden) filter (where member_cells.member_role = 'parent'),
        false
    ) as is_parent_hidden,
    count(*) filter (
        where member_cells.member_role = 'child' and {{ previous }}.is_hidden
    ) as hidden_children,
    sum(member_cells.n_contributors) filter (
        where member_cells.member_role = 'child' and {{ previous }}.is_hidden
    ) as hidden_contributors,
    sum(member_cells.gross_output) filter (
        where member_cells.member_role = 'child' and {{ previous }}.is_hidden
    ) as hidden_gross_output,
    {{ sum_of_two_largest_in_lists(
        'member_cells.top_contributions',
        "member_cells.member_role = 'child' and " ~ previous ~ ".is_hidden"
    ) }} as hidden_top2
from member_cells
inner join {{ previous }} on member_cells.cell_id = {{ previous }}.cell_id
{%- if group_type is not none %}
where member_cells.group_type = '{{ group_type }}'
{%- endif %}
group by member_cells.group_id
{%- endmacro -%}

{%- macro sdc_unsafe_groups(state, min_firms, dominance) -%}
select
    group_id,
    -- what one more hidden member must bring for the hidden sum to pass the primary rule
    -- (in double, as DuckDB divides decimals; Spark would keep a rounded decimal)
    greatest(coalesce(cast(hidden_top2 * 100 as double) / {{ dominance }} - hidden_gross_output, 0), 0)
        as needed_gross_output,
    greatest({{ min_firms }} - coalesce(hidden_contributors, 0), 0) as needed_contributors
from {{ state }}
where
    (
        not is_parent_hidden
        and hidden_children > 0
        and (
            hidden_children = 1
            or {{ sdc_primary_status('hidden_contributors', 'hidden_top2', 'hidden_gross_output') }}
            = 'C'
        )
    )
    or (is_parent_hidden and hidden_children = 0)
{%- endmacro -%}


{%- macro sdc_with_remainders(step, name) -%}
{{ name }}_remainders as (
    select
        remainder_links.remainder_cell_id,
        bool_or({{ step }}.is_hidden) as is_unit_hidden
    from remainder_links
    inner join {{ step }} on remainder_links.unit_cell_id = {{ step }}.cell_id
    group by remainder_links.remainder_cell_id
),

{{ name }} as {{ materialized_cte() }} (
    select
        {{ step }}.cell_id,
        {{ step }}.conf_status,
        {{ step }}.is_hidden
        or coalesce({{ name }}_remainders.is_unit_hidden, false) as is_hidden
    from {{ step }}
    left join {{ name }}_remainders
        on {{ step }}.cell_id = {{ name }}_remainders.remainder_cell_id
)
{%- endmacro -%}


{#- sdc_blocked_group_cells(final_pass): CTEs group_blocks, hidden_blocks and blocked_cells —
    the published group cells of `final_pass` to hide ('D' as conf_status) because another
    group cell of their unit × year × division (any ownership) is hidden there. Relation by relation, the passes protect a
    division's groups and a group's ownership parts, but not the two together: a hidden
    foreign group cell = the division's foreign part minus its other groups' published
    foreign parts, each a group total minus its published domestic part. With all of a
    division's groups hidden, a group is bounded only by [0, its division], which protects it
    whenever the division cell passes the primary rule (docs/methodology.md). Reads
    years_to_build of the model. -#}
{%- macro sdc_blocked_group_cells(final_pass) -%}
group_blocks as (
    select
        year,
        cell_id,
        division_block
    from {{ ref('int_disclosure_groups') }}
    where
        group_type = 'group' and member_role = 'child'
        and year in (select years_to_build.year from years_to_build)
),

hidden_blocks as (
    select distinct group_blocks.division_block
    from group_blocks
    inner join {{ final_pass }} on group_blocks.cell_id = {{ final_pass }}.cell_id
    where {{ final_pass }}.conf_status in ('C', 'D')
),

blocked_cells as (
    select
        group_blocks.cell_id,
        'D' as conf_status
    from group_blocks
    inner join hidden_blocks on group_blocks.division_block = hidden_blocks.division_block
    inner join {{ final_pass }} on group_blocks.cell_id = {{ final_pass }}.cell_id
    where {{ final_pass }}.conf_status = 'F'
)
{%- endmacro %}
