-- The models take manufacturing and ICT from a code's own vintage but divisions and
-- segments from its 2011 crosswalk targets; both agree only if no class maps (even in part)
-- across the manufacturing or ICT boundary. Returns every class mapping that does, and every
-- class whose weights do not sum to exactly 1.
with

codes as (
    select * from {{ ref('industry_codes') }}
    where level = 'class'
),

crosswalk as (
    select * from {{ ref('industry_crosswalk') }}
    where from_level = 'class'
),

boundary_crossings as (
    select
        crosswalk.from_vintage,
        crosswalk.from_code,
        crosswalk.to_code,
        'crosses the manufacturing or ICT boundary' as problem
    from crosswalk
    inner join codes as source_codes
        on
            crosswalk.from_vintage = source_codes.vintage
            and crosswalk.from_code = source_codes.code
    inner join codes as target_codes
        on
            target_codes.vintage = '2011'
            and crosswalk.to_code = target_codes.code
    where
        source_codes.is_ict <> target_codes.is_ict
        or source_codes.is_manufacturing <> target_codes.is_manufacturing
),

weight_sums as (
    select
        from_vintage,
        from_code,
        null as to_code,
        'weights sum to ' || sum(cast(weight as decimal(9, 6))) as problem
    from crosswalk
    group by from_vintage, from_code
    having sum(cast(weight as decimal(9, 6))) <> 1
)

select * from boundary_crossings
union all
select * from weight_sums
