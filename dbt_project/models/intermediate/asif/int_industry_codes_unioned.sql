-- Every code an ASIF firm-year is validated and harmonised on, per GB/T 4754 vintage: the
-- four-digit classes of 2002, 2011 and 2017, and the official three-digit groups of 1994
-- (whose four-digit list is not official: a 1998–2002 code counts by its group). Manufacturing
-- = section C; ICT in 1994 = division 41 (电子及通信设备制造业), group 418 (repair of
-- electronic and communication equipment) included.
with

classes as (
    select
        vintage,
        'class' as level,
        code,
        division,
        is_manufacturing,
        is_ict
    from {{ ref('industry_codes') }}
    where level = 'class'
),

groups_1994 as (
    select
        '1994' as vintage,
        'group' as level,
        group_code as code,
        division_code as division,
        section = 'C' as is_manufacturing,
        division_code = '41' as is_ict
    from {{ ref('gbt4754_1994_groups') }}
)

select * from classes
union all
select * from groups_1994
