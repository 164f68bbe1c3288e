-- Each code firm-years are harmonised on (class; 1994 group) of each vintage with its single
-- most representative GB/T 4754-2011 class (largest crosswalk weight; ties the lower code) —
-- the class a firm is compared on when one class is needed (panel links, imputation cells),
-- computed once per code.
with

ranked_classes as (
    select
        vintage,
        code,
        class_2011,
        row_number() over (
            partition by vintage, code
            order by weight desc, class_2011 asc
        ) as class_rank
    from {{ ref('int_industry_crosswalk_composed') }}
)

select
    vintage,
    code,
    class_2011,
    left(class_2011, 2) as division_2011
from ranked_classes
where class_rank = 1
