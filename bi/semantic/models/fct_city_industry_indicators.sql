-- The published marts.fct_city_industry_indicators, read as it is (materialized 'published': nothing is built).
select * from {{ this }}
