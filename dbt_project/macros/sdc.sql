{#- Building blocks of disclosure control (docs/methodology.md, disclosure control). Every
    magnitude of a cell (sdc_magnitudes) has its own primary status and its own secondary
    suppression pattern: the relations are additive in each magnitude separately.

    sdc_magnitudes(): the published magnitudes the rules protect.

    sdc_primary_status(contributors, largest, top2, total): the primary rules as a status, 'C'
    when fewer than var sdc_min_firms firms contribute (n rule), when the two largest
    contributions exceed var sdc_dominance % of the total ((2, k) dominance rule), or when
    the total minus the two largest is less than var sdc_p % of the largest (p % rule: the
    second-largest contributor could estimate the largest within p %; sdc_p 0 turns it
    off); else 'F' — also when the total is NULL (no firm reports the magnitude). The one place the rules are written: ASIF cells, derived populations and
    the hidden sums of the secondary passes all use it.

    The secondary passes work on integer keys (faster joins than the text ids): row_key =
    one cell × magnitude, group_key = one group × magnitude; the passes hide rows
    (sdc_passes.sql).

    sdc_group_state(hidden, group_type, groups): per group_key with a member among the rows
    `hidden` (row_key; of one group type, or all; only those in the CTE `groups` when given),
    whether its parent is hidden and what its hidden children add up to: how many, their
    firms, value and largest contributions.

    sdc_unsafe_groups(state, min_firms, dominance): the groups of `state` that reveal a
    protected value: parent published while the hidden children's sum is sensitive or is one
    single suppressed cell, or parent hidden while every child is published; with the value
    and firms one more hidden member must add to make the hidden sum pass.

    The first two render at zero indentation; callers indent them with the `indent`
    filter. -#}
{#- sdc_worst_status(status): aggregate, the most restrictive of the group's statuses:
    C (primary) before D (secondary) before F (free). -#}
{%- macro sdc_worst_status(status) -%}
    case
        when bool_or({{ status }} = 'C') then 'C'
        when bool_or({{ status }} = 'D') then 'D'
        else 'F'
    end
{%- endmacro -%}


{#- sdc_complement_contribution(value, weight): a firm's contribution outside a part it is in
    with crosswalk `weight` (NULL: not in it), value × (1 − weight), exact: decimal(24,3) ×
    decimal(13,12) fits decimal(38,15) on both engines (Spark would round wider operands to
    6 decimals first), rounded to the thousandths of the other contributions (as DuckDB's
    union does; Spark's would widen the column). Outside the part (most firm × part pairs)
    the value itself, which the product would give: 128-bit decimal products are slow. -#}
{%- macro sdc_complement_contribution(value, weight) -%}
case
    when {{ weight }} is null then cast({{ value }} as decimal(38, 3))
    else cast(
        cast({{ value }} as decimal(24, 3))
        * cast(1 - {{ weight }} as decimal(13, 12))
        as decimal(38, 3)
    )
end
{%- endmacro -%}


{%- macro sdc_magnitudes() -%}
    {{ return(['gross_output', 'value_added', 'employment', 'export_value']) }}
{%- endmacro -%}


{#- sdc_protection_level(largest, top2, total): how far a primary-suppressed value must stay
    uncertain on each side (τ-ARGUS convention, Handbook on SDC §4.2–4.3): the larger of the
    amount the value would have to grow to pass the (2, k) dominance rule, 100·top2 / k − X,
    and to pass the p % rule, p/100·x₁ − (X − top2), and never less than var
    sdc_protection_floor % of the value. A cell failing only the n rule gets the same: with
    fewer than three contributors top2 is the whole value, so the dominance level is
    X·(100/k − 1). -#}
{%- macro sdc_protection_level(largest, top2, total) -%}
    greatest(
        100.0 * {{ top2 }} / {{ var('sdc_dominance') | int }} - {{ total }},
        {{ var('sdc_p') | int }} / 100.0 * {{ largest }} - ({{ total }} - {{ top2 }}),
        {{ var('sdc_protection_floor') | int }} / 100.0 * {{ total }}
    )
{%- endmacro -%}


{%- macro sdc_primary_status(contributors, largest, top2, total) -%}
    case
        -- no firm reports the magnitude: the cell publishes nothing of it to protect
        when {{ total }} is null then 'F'
        when {{ contributors }} < {{ var('sdc_min_firms') | int }} then 'C'
        when {{ top2 }} * 100 > {{ var('sdc_dominance') | int }} * {{ total }} then 'C'
        when ({{ total }} - {{ top2 }}) * 100 < {{ var('sdc_p') | int }} * {{ largest }} then 'C'
        else 'F'
    end
{%- endmacro -%}


{%- macro sdc_group_state(hidden, group_type=none, groups=none) -%}
select
    member_cells.group_key,
    bool_or(member_cells.member_role = 'parent') as is_parent_hidden,
    count(*) filter (where member_cells.member_role = 'child') as hidden_children,
    sum(member_cells.contributors) filter (where member_cells.member_role = 'child')
        as hidden_contributors,
    sum(member_cells.value) filter (where member_cells.member_role = 'child') as hidden_value,
    max({{ first_element('member_cells.top_contributions') }}) filter (
        where member_cells.member_role = 'child'
    ) as hidden_largest,
    {{ sum_of_two_largest_in_lists(
        'member_cells.top_contributions', "member_cells.member_role = 'child'"
    ) }} as hidden_top2
from member_cells
-- only hidden members count: a group with none can be no unsafe group (sdc_unsafe_groups),
-- and leaving the others out spares the aggregates 40 % of the members at national scale
inner join {{ hidden }} on member_cells.row_key = {{ hidden }}.row_key
{%- if group_type is not none %}
where
    member_cells.group_type = '{{ group_type }}'
{%- if groups is not none %}
    and member_cells.group_key in (select {{ groups }}.group_key from {{ groups }})
{%- endif %}
{%- endif %}
group by member_cells.group_key
{%- endmacro -%}

{%- macro sdc_unsafe_groups(state, min_firms, dominance) -%}
select
    group_key,
    -- what one more hidden member must bring for the hidden sum to pass the dominance rule
    -- (in double, as DuckDB divides decimals; Spark would keep a rounded decimal)
    greatest(coalesce(cast(hidden_top2 * 100 as double) / {{ dominance }} - hidden_value, 0), 0)
        as needed_value,
    greatest({{ min_firms }} - coalesce(hidden_contributors, 0), 0) as needed_contributors
from {{ state }}
where
    (
        not is_parent_hidden
        and hidden_children > 0
        and (
            hidden_children = 1
            or {{ sdc_primary_status(
                'hidden_contributors', 'hidden_largest', 'hidden_top2', 'hidden_value'
            ) }} = 'C'
        )
    )
    or (is_parent_hidden and hidden_children = 0)
{%- endmacro -%}


{#- sdc_blocked_group_cells(final_pass): CTEs group_blocks, hidden_blocks and blocked_cells —
    the published group cells × magnitudes of `final_pass` to hide ('D' as conf_status)
    because another group cell of their unit × year × division (any ownership) is hidden
    there in that magnitude. Relation by relation, the passes protect a
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
    select distinct
        group_blocks.division_block,
        {{ final_pass }}.magnitude
    from group_blocks
    inner join {{ final_pass }} on group_blocks.cell_id = {{ final_pass }}.cell_id
    where {{ final_pass }}.conf_status in ('C', 'D')
),

blocked_cells as (
    select
        group_blocks.cell_id,
        hidden_blocks.magnitude,
        'D' as conf_status
    from group_blocks
    inner join hidden_blocks on group_blocks.division_block = hidden_blocks.division_block
    inner join {{ final_pass }}
        on
            group_blocks.cell_id = {{ final_pass }}.cell_id
            and hidden_blocks.magnitude = {{ final_pass }}.magnitude
    where {{ final_pass }}.conf_status = 'F'
)
{%- endmacro %}


{#- sdc_ranked_members(unsafe, hidden): the members of the `unsafe` groups not among the rows
    `hidden` (row_key), ranked per group_key (pick_rank 1 is hidden next): children
    before the parent (geography: the parent first, so the county-level city stays visible),
    then the smallest child whose value and firms make the hidden sum pass, failing that the
    largest. A remainder picked stands for its parent (hiding the parent hides it). Reads the
    CTEs member_cells and remainder_parents. Renders at zero indentation. -#}
{%- macro sdc_ranked_members(unsafe, hidden) -%}
{%- set passes_rule -%}
member_cells.value >= {{ unsafe }}.needed_value
        and member_cells.contributors >= {{ unsafe }}.needed_contributors
{%- endset -%}
select
    coalesce(remainder_parents.parent_key, member_cells.row_key) as row_key,
    row_number() over (
        partition by member_cells.group_key
        order by
            case
                when member_cells.group_type = 'geography'
                    then member_cells.member_role = 'child'
                else member_cells.member_role = 'parent'
            end asc nulls last,
            {{ passes_rule }} desc nulls last,
            case
                when {{ passes_rule }} then member_cells.value else -member_cells.value
            end asc nulls last,
            member_cells.row_key asc nulls last
    ) as pick_rank
from member_cells
inner join {{ unsafe }} on member_cells.group_key = {{ unsafe }}.group_key
left join {{ hidden }} on member_cells.row_key = {{ hidden }}.row_key
left join remainder_parents on member_cells.row_key = remainder_parents.remainder_key
where {{ hidden }}.row_key is null
{%- endmacro %}
