-- The published ASIF cells each GVC sector of the sectors seed sums, one row per sector, part
-- and cell: part 'sector' = the sector's harmonised divisions (their division cells), a
-- segment id = the cells of the segment's codes (divisions, three-digit groups or ICT
-- segments), 'manufacturing' = the manufacturing total 'C' the sector's share is taken of.
-- is_valid checks the seed: a sector row when the segments' codes in that division cover it
-- exactly (the division itself, all its 2011 groups, or all the ICT segments it holds), so the
-- sector's value is the sum of its segments'; a segment row when its code lies in its division.
with

sectors as (
    select * from {{ ref('sectors') }}
),

groups_2011 as (
    select
        group_code,
        division_code
    from {{ ref('industry_groups_2011') }}
),

ict_segments as (
    select distinct
        segment,
        left(code_2011, 2) as division_code
    from {{ ref('ict_segment_map') }}
),

-- how many codes of a level make up a whole division
division_sizes as (
    select
        division_code,
        'group' as industry_level,
        count(*) as n_codes
    from groups_2011
    group by division_code
    union all
    select
        division_code,
        'ict_segment' as industry_level,
        count(*) as n_codes
    from ict_segments
    group by division_code
),

codes_checked as (
    select
        sectors.sector_id,
        sectors.segment,
        sectors.industry_level,
        sectors.industry_code,
        sectors.division_code,
        case sectors.industry_level
            when 'division' then 1
            else division_sizes.n_codes
        end as division_size,
        case sectors.industry_level
            when 'division' then sectors.industry_code = sectors.division_code
            when 'group' then groups_2011.group_code is not null
            when 'ict_segment' then ict_segments.segment is not null
            else false
        end as is_in_division
    from sectors
    left join groups_2011
        on
            sectors.industry_level = 'group'
            and sectors.industry_code = groups_2011.group_code
            and sectors.division_code = groups_2011.division_code
    left join ict_segments
        on
            sectors.industry_level = 'ict_segment'
            and sectors.industry_code = ict_segments.segment
            and sectors.division_code = ict_segments.division_code
    left join division_sizes
        on
            sectors.industry_level = division_sizes.industry_level
            and sectors.division_code = division_sizes.division_code
),

-- codes are unique per sector (seed test): one level, all in the division, as many as it has
sector_divisions as (
    select
        sector_id,
        division_code,
        count(distinct industry_level) = 1
        and bool_and(is_in_division)
        and count(*) = max(division_size) as is_valid
    from codes_checked
    group by sector_id, division_code
)

select
    sector_id,
    'sector' as part,
    'division' as industry_level,
    division_code as industry_code,
    is_valid
from sector_divisions
union all
select
    sector_id,
    segment as part,
    industry_level,
    industry_code,
    is_in_division as is_valid
from codes_checked
union all
select distinct
    sector_id,
    'manufacturing' as part,
    'division' as industry_level,
    'C' as industry_code,
    true as is_valid
from sectors
