-- Industries of fct_city_industry_year: GB/T 4754-2011 divisions (the harmonised
-- classification) plus 'C', the manufacturing total, their three-digit groups, and the seven
-- ICT segments of division 39 (docs/marts.md), each with the lowest confidence of the 1994
-- groups that reach it (1998-2002 data are harmonised by group; docs/methodology.md).
with

-- 1 low, 2 medium, 3 high, per 2011 class reached by a 1994 group
classes_from_1994 as (
    select
        class_2011,
        min(case confidence when 'low' then 1 when 'medium' then 2 else 3 end) as rank_1994
    from {{ ref('int_industry_crosswalk_composed') }}
    where vintage = '1994'
    group by class_2011
),

manufacturing_divisions as (
    select code
    from {{ ref('industry_codes') }}
    where vintage = '2011' and level = 'division' and is_manufacturing
),

ranks_1994 as (
    select
        'division' as industry_level,
        left(class_2011, 2) as industry_code,
        min(rank_1994) as rank_1994
    from classes_from_1994
    group by left(class_2011, 2)
    union all
    select
        'division' as industry_level,
        'C' as industry_code,
        min(rank_1994) as rank_1994
    from classes_from_1994
    where left(class_2011, 2) in (select manufacturing_divisions.code from manufacturing_divisions)
    union all
    select
        'group' as industry_level,
        left(class_2011, 3) as industry_code,
        min(rank_1994) as rank_1994
    from classes_from_1994
    group by left(class_2011, 3)
    union all
    select
        'ict_segment' as industry_level,
        segment_map.segment as industry_code,
        min(classes_from_1994.rank_1994) as rank_1994
    from classes_from_1994
    inner join {{ ref('ict_segment_map') }} as segment_map
        on classes_from_1994.class_2011 = segment_map.code_2011
    group by segment_map.segment
),

divisions as (
    select
        'division' as industry_level,
        code as industry_code,
        name_zh,
        name_en,
        is_ict,
        null as segment
    from {{ ref('industry_codes') }}
    where vintage = '2011' and level = 'division'
),

manufacturing_total as (
    select
        'division' as industry_level,
        'C' as industry_code,
        '制造业' as name_zh,
        'Manufacturing (total)' as name_en,
        false as is_ict,
        null as segment
),

-- the groups of the 2011 divisions (industry_groups_2011)
groups as (
    select
        'group' as industry_level,
        industry_groups.group_code as industry_code,
        industry_groups.name_zh,
        industry_groups.name_en,
        industry_groups.division_code = '39' as is_ict,
        null as segment
    from {{ ref('industry_groups_2011') }} as industry_groups
    where
        industry_groups.division_code in (
            select divisions.industry_code from divisions
        )
),

-- segment titles are the names of docs/marts.md's segments (the seed names their classes)
segment_names as (
    select
        segment_titles.segment,
        segment_titles.name_zh,
        segment_titles.name_en
    from (
        values
        ('computers', '计算机整机', 'Computers (finished machines)'),
        ('parts_peripherals', '计算机零部件及外围设备', 'Computer parts and peripherals'),
        ('telecom_equipment', '通信系统设备', 'Telecom and network equipment'),
        ('handsets', '通信终端设备', 'Communication terminals (handsets)'),
        ('consumer_electronics', '视听及广播电视设备', 'Consumer electronics and broadcast equipment'),
        ('components_devices', '电子器件及元件', 'Electronic components and devices'),
        ('other_ict', '其他电子设备', 'Other ICT (radar, other electronic equipment)')
    ) as segment_titles (segment, name_zh, name_en)
),

segments as (
    select distinct
        'ict_segment' as industry_level,
        segment_map.segment as industry_code,
        segment_names.name_zh,
        segment_names.name_en,
        true as is_ict,
        segment_map.segment
    from {{ ref('ict_segment_map') }} as segment_map
    left join segment_names on segment_map.segment = segment_names.segment
)

select
    industries.industry_level,
    industries.industry_code,
    industries.name_zh,
    industries.name_en,
    industries.is_ict,
    industries.segment,
    case ranks_1994.rank_1994 when 1 then 'low' when 2 then 'medium' when 3 then 'high' end
        as concordance_1994
from (
    select * from divisions
    union all
    select * from manufacturing_total
    union all
    select * from groups
    union all
    select * from segments
) as industries
left join ranks_1994
    on
        industries.industry_level = ranks_1994.industry_level
        and industries.industry_code = ranks_1994.industry_code
order by industries.industry_level, industries.industry_code
