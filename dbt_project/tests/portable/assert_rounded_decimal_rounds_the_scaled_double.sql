-- rounded_decimal (macros/portable/numbers.sql) gives the same decimals on every engine: the
-- double x × 1000, rounded half away from zero. Hand values (IEEE doubles, as Python prints
-- them): 0.5015 is stored as 0.50149999999999994…, and 0.5015 × 1000 = 501.49999999999994
-- → 0.501, where rounding the spelling "0.5015" (Spark's round) gives 0.502; 4155.1325 ×
-- 1000 = 4155132.4999999995 → 4155.132 (not .133); 1.0005 is below the half, yet 1.0005 ×
-- 1000 = 1000.5 exactly → 1.001; 0.0125 × 1000 = 12.5 → 0.013; negatives mirror. Returns
-- every value rounded otherwise.
with

hand_values as (
    select
        '0.5015' as spelled,
        cast('0.501' as decimal(18, 3)) as expected
    union all
    select
        '4155.1325' as spelled,
        cast('4155.132' as decimal(18, 3)) as expected
    union all
    select
        '1.0005' as spelled,
        cast('1.001' as decimal(18, 3)) as expected
    union all
    select
        '0.0125' as spelled,
        cast('0.013' as decimal(18, 3)) as expected
    union all
    select
        '-0.5015' as spelled,
        cast('-0.501' as decimal(18, 3)) as expected
),

rounded as (
    select
        spelled,
        expected,
        {{ rounded_decimal("cast(spelled as double)", 18, 3) }} as rounded_value
    from hand_values
)

select *
from rounded
where rounded_value is distinct from expected
