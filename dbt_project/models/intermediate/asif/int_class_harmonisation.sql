-- Each class code of each vintage with its single most representative GB/T 4754-2011 class
-- (largest crosswalk weight; ties the lower code) — the class a firm is compared on when one
-- class is needed (panel links, imputation cells), computed once per code.
select
    from_vintage as vintage,
    from_code as code,
    first(to_code order by cast(weight as decimal(9, 6)) desc, to_code asc) as class_2011,
    left(first(to_code order by cast(weight as decimal(9, 6)) desc, to_code asc), 2)
        as division_2011
from {{ ref('industry_crosswalk') }}
where from_level = 'class'
group by from_vintage, from_code
