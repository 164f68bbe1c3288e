-- One row per file of a release; the city code trimmed (NULL when the file names no city).
select
    release_id,
    path,
    format,
    sha256,
    bytes,
    nullif(trim(city_code), '') as city_code
from {{ source('ops', 'release_files') }}
