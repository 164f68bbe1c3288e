-- Industries of fct_city_industry_year: GB/T 4754-2011 divisions (the harmonised
-- classification) plus 'C', the manufacturing total, and the seven ICT segments of division
-- 39 (docs/marts.md).
with

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
    industry_level,
    industry_code,
    name_zh,
    name_en,
    is_ict,
    segment
from (
    select * from divisions
    union all
    select * from manufacturing_total
    union all
    select * from segments
) as industries
order by industry_level, industry_code
