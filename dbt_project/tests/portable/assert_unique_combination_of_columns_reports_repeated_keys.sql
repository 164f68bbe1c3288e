-- The composite-key test (tests/generic/unique_combination_of_columns.sql) on hand rows: the
-- key ('a', 1) three times and (NULL, 2) twice (NULLs compare equal, as in GROUP BY); ('a', 2),
-- ('b', 1) and (NULL, 1) once each. It must report exactly the two repeated keys, with 3 and
-- 2 occurrences. Returns every expected row it does not report and every row it reports
-- that is not expected.
with

hand_rows as (
    select
        'a' as code,
        1 as n
    union all
    select
        'a' as code,
        1 as n
    union all
    select
        'a' as code,
        1 as n
    union all
    select
        cast(null as string) as code,
        2 as n
    union all
    select
        cast(null as string) as code,
        2 as n
    union all
    select
        'a' as code,
        2 as n
    union all
    select
        'b' as code,
        1 as n
    union all
    select
        cast(null as string) as code,
        1 as n
),

reported as (
    {{ test_unique_combination_of_columns("hand_rows", ["code", "n"]) }}
),

expected as (
    select
        'a' as code,
        1 as n,
        3 as occurrences
    union all
    select
        cast(null as string) as code,
        2 as n,
        2 as occurrences
),

not_reported as (
    select
        code,
        n,
        occurrences
    from expected
    except
    select
        code,
        n,
        occurrences
    from reported
),

not_expected as (
    select
        code,
        n,
        occurrences
    from reported
    except
    select
        code,
        n,
        occurrences
    from expected
)

select * from not_reported
union all
select * from not_expected
