-- The disclosure status of everything an ASIF indicator can reveal, per published city unit
-- and year, under one id scheme: published cells as '<industry_level>/<industry_code>/
-- <ownership>' (final status, secondary suppression included), unpublished populations as
-- 'derived/<population>' (primary status), and 'derived/hhi_mfg' = the worst status of the
-- manufacturing division cells, which a sum of squared shares can help recover.
with

published_cells as (
    select
        cells.city_code,
        cells.year,
        concat_ws('/', cells.industry_level, cells.industry_code, cells.ownership) as cell_id,
        cells.industry_level,
        cells.industry_code,
        cells.ownership,
        disclosure.conf_status
    from {{ ref('int_asif_industry_cells') }} as cells
    inner join {{ ref('int_asif_industry_cells_disclosure') }} as disclosure
        on cells.cell_id = disclosure.cell_id
    where cells.unit_kind = 'unit'
),

-- the manufacturing total 'C' and the 2011 divisions it is the sum of
manufacturing_codes as (
    select code
    from {{ ref('industry_codes') }}
    where vintage = '2011' and level = 'division' and is_manufacturing
    union all
    select 'C' as code
),

share_cells as (
    select
        city_code,
        year,
        case industry_level
            when 'division' then 'derived/hhi_mfg' else 'derived/mfg_groups'
        end as cell_id,
        -- C (primary) outranks D (secondary) outranks F (free)
        case
            when bool_or(conf_status = 'C') then 'C'
            when bool_or(conf_status = 'D') then 'D'
            else 'F'
        end as conf_status
    from published_cells
    where
        ownership = 'total'
        and (
            (
                industry_level = 'division'
                and industry_code in (select manufacturing_codes.code from manufacturing_codes)
            )
            or (
                industry_level = 'group'
                and left(industry_code, 2)
                in (select manufacturing_codes.code from manufacturing_codes)
            )
        )
    group by city_code, year, industry_level
)

select
    city_code,
    year,
    cell_id,
    conf_status
from published_cells
union all
select
    city_code,
    year,
    'derived/' || population as cell_id,
    conf_status
from {{ ref('int_derived_disclosure_cells') }}
union all
select
    city_code,
    year,
    cell_id,
    conf_status
from share_cells
union all
-- the division cells of the year before, for the shift-share parts that use them
select
    city_code,
    year + 1 as year,
    'derived/hhi_mfg_previous_year' as cell_id,
    conf_status
from share_cells
where cell_id = 'derived/hhi_mfg'
