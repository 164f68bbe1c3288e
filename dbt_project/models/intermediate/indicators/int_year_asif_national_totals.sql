-- Manufacturing and ICT gross output over every firm of a year's ASIF release (the location
-- quotient's benchmark, docs/marts.md): every firm with positive output and a known industry
-- code counts, whether or not its location code maps to a city unit.
select
    year,
    min(release_id) as release_id,
    coalesce(sum(gross_output) filter (where is_manufacturing), 0) as mfg_gross_output,
    coalesce(sum(gross_output) filter (where is_ict), 0) as ict_gross_output
from {{ ref('int_firm_years_screened') }}
where firm_id is not null and gross_output > 0 and is_manufacturing is not null
group by year
