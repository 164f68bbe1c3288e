-- The published ASIF cells the city indicators read directly, per city unit and year: gross
-- output of each manufacturing division (2011 codes; the Herfindahl terms and shift-share),
-- of each manufacturing group (variety, complexity) and of each ICT segment (the segment
-- shares). Unit cells of all ownerships together ('total'); the
-- remainders are never published.
with

manufacturing_divisions as (
    select code
    from {{ ref('industry_codes') }}
    where vintage = '2011' and level = 'division' and is_manufacturing
)

select
    city_code,
    year,
    industry_level,
    industry_code,
    gross_output
from {{ ref('int_asif_industry_cells') }}
where
    unit_kind = 'unit'
    and ownership = 'total'
    and (
        industry_level = 'ict_segment'
        or (
            industry_level = 'division'
            and industry_code in (select manufacturing_divisions.code from manufacturing_divisions)
        )
        or (
            industry_level = 'group'
            and left(industry_code, 2)
            in (select manufacturing_divisions.code from manufacturing_divisions)
        )
    )
