-- Catalog entries rejected by validation, one row per distinct rejection (as ingestion
-- records them); when a rejection was seen is not used downstream.
select
    raw_release_id,
    reason,
    detail
from {{ source('ops', 'catalog_rejections') }}
