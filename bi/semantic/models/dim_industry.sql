-- The published marts.dim_industry, read as it is (materialized 'published': nothing is built).
select * from {{ this }}
