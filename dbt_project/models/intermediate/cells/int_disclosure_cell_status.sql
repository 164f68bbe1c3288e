-- The disclosure status of everything an ASIF indicator can reveal, per published city unit
-- and year, under one id scheme: published cells as '<industry_level>/<industry_code>/
-- <ownership>@<magnitude>' (that magnitude's final status, secondary suppression included)
-- and '<industry_level>/<industry_code>/<ownership>' (the most restrictive over the four),
-- unpublished populations as 'derived/<population>@<magnitude>' and 'derived/<population>'
-- (primary status), and 'derived/hhi_mfg' / 'derived/mfg_groups' = the worst gross-output
-- status of the manufacturing division / group cells, which sums of squared shares can help
-- recover. An indicator names the ids of the magnitudes it uses (ratios inherit the status
-- of their parts).
{%- set magnitudes = sdc_magnitudes() %}
with

cells as (
    select
        city_code,
        year,
        concat_ws('/', industry_level, industry_code, ownership) as cell_id,
        industry_level,
        industry_code,
        ownership,
        {%- for magnitude in magnitudes %}
            conf_status_{{ magnitude }},
        {%- endfor %}
        conf_status
    from {{ ref('int_city_industry_year') }}
    where source = 'asif'
),

populations as (
    select * from {{ ref('int_derived_disclosure_cells') }}
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
        {{ sdc_worst_status('conf_status_gross_output') }} as conf_status
    from cells
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
from cells
{%- for magnitude in magnitudes %}
    union all
    select
        city_code,
        year,
        cell_id || '@{{ magnitude }}' as cell_id,
        conf_status_{{ magnitude }} as conf_status
    from cells
{%- endfor %}
union all
select
    city_code,
    year,
    'derived/' || population as cell_id,
    conf_status
from populations
{%- for magnitude in magnitudes %}
    union all
    select
        city_code,
        year,
        'derived/' || population || '@{{ magnitude }}' as cell_id,
        status_{{ magnitude }} as conf_status
    from populations
{%- endfor %}
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
union all
-- whether the top-4 ICT share would bound a primary value below its protection
select
    city_code,
    year,
    cell_id,
    conf_status
from {{ ref('int_ict_top4_bounds_checked') }}
