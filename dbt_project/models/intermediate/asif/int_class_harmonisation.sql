-- Each code firm-years are harmonised on (class; 1994 group) of each vintage with its single
-- most representative GB/T 4754-2011 class (largest crosswalk weight; ties the lower code) —
-- the class a firm is compared on when one class is needed (panel links, imputation cells),
-- computed once per code.
select
    vintage,
    code,
    first(class_2011 order by weight desc, class_2011 asc) as class_2011,
    left(first(class_2011 order by weight desc, class_2011 asc), 2) as division_2011
from {{ ref('int_industry_crosswalk_composed') }}
group by vintage, code
