-- docs/quality-gates.md: in fct_city_industry_year (ASIF, unsuppressed values) totals equal the
-- sum of
-- their parts: total = domestic + hmt + foreign; manufacturing 'C' = its 2011 manufacturing
-- divisions; division 39 = its ICT segments. Parts are rounded to 6 decimals from exact
-- crosswalk-weighted sums, hence the 0.001 thousand yuan (1 yuan) tolerance.
with

cells as (
    select * from {{ ref('int_city_industry_year') }}
    where source = 'asif'
),

-- the manufacturing total 'C' and the 2011 divisions it is the sum of
manufacturing_codes as (
    select code
    from {{ ref('industry_codes') }}
    where vintage = '2011' and level = 'division' and is_manufacturing
    union all
    select 'C' as code
),

ownership_sums as (
    select
        'ownership' as relation,
        city_code,
        year,
        industry_level || '/' || industry_code as parent,
        sum(gross_output) filter (where ownership = 'total') as parent_value,
        coalesce(sum(gross_output) filter (where ownership <> 'total'), 0) as parts_value
    from cells
    group by city_code, year, industry_level, industry_code
),

division_sums as (
    select
        'division' as relation,
        city_code,
        year,
        'C/' || ownership as parent,
        coalesce(sum(gross_output) filter (where industry_code = 'C'), 0) as parent_value,
        coalesce(sum(gross_output) filter (where industry_code <> 'C'), 0) as parts_value
    from cells
    where
        industry_level = 'division'
        and industry_code in (select manufacturing_codes.code from manufacturing_codes)
    group by city_code, year, ownership
),

segment_sums as (
    select
        'segment' as relation,
        city_code,
        year,
        '39/' || ownership as parent,
        coalesce(sum(gross_output) filter (where industry_level = 'division'), 0) as parent_value,
        coalesce(sum(gross_output) filter (where industry_level = 'ict_segment'), 0) as parts_value
    from cells
    where industry_level = 'ict_segment' or (industry_level = 'division' and industry_code = '39')
    group by city_code, year, ownership
)

select *
from (
    select * from ownership_sums
    union all
    select * from division_sums
    union all
    select * from segment_sums
) as sums
where abs(parent_value - parts_value) > 0.001
