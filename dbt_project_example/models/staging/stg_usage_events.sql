select
    event_date,
    account_id,
    user_id,
    event_type,
    "count" as event_count,
    coalesce(minutes_watched, 0) as minutes_watched
from {{ ref('raw_usage_events') }}
