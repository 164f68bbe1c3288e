-- Every industry of fct_city_industry_year is described in dim_industry (a relationships
-- test on the composite key industry_level + industry_code).
select distinct
    facts.industry_level,
    facts.industry_code
from {{ ref('fct_city_industry_year') }} as facts
left join {{ ref('dim_industry') }} as industries
    on
        facts.industry_level = industries.industry_level
        and facts.industry_code = industries.industry_code
where industries.industry_code is null
