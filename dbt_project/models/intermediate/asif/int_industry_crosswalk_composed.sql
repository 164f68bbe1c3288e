-- The crosswalk to GB/T 4754-2011 classes of every code a firm-year is harmonised on: the
-- seed's class rows of the 2002, 2011 and 2017 vintages and, for 1994 (whose four-digit list
-- is not official), each official three-digit group through the group-level concordance to
-- 2002 classes and their 2002 → 2011 rows: weight = concordance weight × 2002 weight, summed
-- per 2011 class; confidence = the lower of the two steps.
with

class_rows as (
    select
        from_vintage as vintage,
        from_code as code,
        to_code as class_2011,
        cast(weight as decimal(18, 12)) as weight,
        confidence
    from {{ ref('industry_crosswalk') }}
    where from_level = 'class'
),

concordance_1994 as (
    select
        group_1994,
        code_2002,
        cast(weight as decimal(18, 12)) as weight,
        confidence
    from {{ ref('industry_concordance_1994') }}
),

confidence_ranks as (
    select
        ranks.confidence,
        ranks.confidence_rank
    from (values ('low', 1), ('medium', 2), ('high', 3)) as ranks (confidence, confidence_rank)
),

groups_1994_via_2002 as (
    select
        concordance_1994.group_1994,
        rows_2002.class_2011,
        concordance_1994.weight * rows_2002.weight as weight,
        least(concordance_ranks.confidence_rank, rows_2002_ranks.confidence_rank)
            as confidence_rank
    from concordance_1994
    inner join class_rows as rows_2002
        on rows_2002.vintage = '2002' and concordance_1994.code_2002 = rows_2002.code
    inner join confidence_ranks as concordance_ranks
        on concordance_1994.confidence = concordance_ranks.confidence
    inner join confidence_ranks as rows_2002_ranks
        on rows_2002.confidence = rows_2002_ranks.confidence
),

groups_1994_summed as (
    select
        group_1994,
        class_2011,
        sum(weight) as weight,
        min(confidence_rank) as confidence_rank
    from groups_1994_via_2002
    group by group_1994, class_2011
),

groups_1994 as (
    select
        '1994' as vintage,
        groups_1994_summed.group_1994 as code,
        groups_1994_summed.class_2011,
        -- products of two 6-decimal weights are exact in 12 decimals (the class rows' type)
        cast(groups_1994_summed.weight as decimal(18, 12)) as weight,
        confidence_ranks.confidence
    from groups_1994_summed
    inner join confidence_ranks
        on groups_1994_summed.confidence_rank = confidence_ranks.confidence_rank
)

select
    vintage,
    code,
    class_2011,
    weight,
    confidence
from class_rows
union all
select
    vintage,
    code,
    class_2011,
    weight,
    confidence
from groups_1994
