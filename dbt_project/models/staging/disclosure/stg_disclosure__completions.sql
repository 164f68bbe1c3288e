-- The disclosure step's added secondary suppressions as dbt reads them (one row per cell ×
-- magnitude). Built with the marts: the step writes its table after the intermediate models.
select
    cast(year as integer) as year,
    cell_id,
    magnitude
from {{ source('disclosure', 'secondary_completions') }}
