-- ICT segment mix of Kunshan (320583) and Dongguan (441900): each segment's share of the
-- city's ICT gross output (ASIF, harmonised GB/T 4754-2011 classes) with the segment's output
-- in thousand yuan. Shares of a city-year sum to 1 where none is suppressed; a suppressed
-- segment (conf_status C/D) shows NULL, never 0.
select
    segment_shares.city_code,
    dim_city.name_en as city,
    segment_shares.year,
    segment_shares.breakdown as segment,
    dim_industry.name_en as segment_name,
    segment_shares.value as share_of_ict_output,
    cells.gross_output,
    segment_shares.obs_status,
    segment_shares.conf_status
from marts.fct_city_indicators as segment_shares
inner join marts.dim_city on segment_shares.city_code = dim_city.city_code
left join marts.dim_industry
    on
        dim_industry.industry_level = 'ict_segment'
        and segment_shares.breakdown = dim_industry.industry_code
left join marts.fct_city_industry_year as cells
    on
        segment_shares.city_code = cells.city_code
        and segment_shares.year = cells.year
        and cells.industry_level = 'ict_segment'
        and segment_shares.breakdown = cells.industry_code
        and cells.ownership = 'total'
        and cells.source = 'asif'
where
    segment_shares.indicator_id = 'ict_segment_share'
    and segment_shares.source = 'asif'
    and segment_shares.city_code in ('320583', '441900')
order by segment_shares.city_code, segment_shares.year, segment_shares.breakdown
