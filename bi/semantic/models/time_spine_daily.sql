-- The MetricFlow time spine: a view the time_spine plugin creates in the in-memory session
-- database on every connection (materialized 'published': nothing is built here).
{{ config(database='memory', schema='semantic') }}
select * from {{ this }}
