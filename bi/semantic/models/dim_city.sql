-- The published marts.dim_city, read as it is (materialized 'published': nothing is built).
select * from {{ this }}
