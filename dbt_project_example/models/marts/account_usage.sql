{%- set as_of = "cast('" ~ var('as_of_date') ~ "' as date)" -%}
{%- set window_start = dbt.dateadd('day', -30, as_of) -%}

with events as (

    select *
    from {{ ref('stg_usage_events') }}
    where event_date < {{ as_of }}

),

last_30_days as (

    select
        account_id,
        count(distinct user_id) as active_users_30d,
        sum(case when event_type = 'video_uploaded' then event_count else 0 end) as videos_uploaded_30d,
        sum(case when event_type = 'video_played' then event_count else 0 end) as plays_30d,
        sum(minutes_watched) as minutes_watched_30d,
        sum(case when event_type = 'embed_created' then event_count else 0 end) as embeds_created_30d
    from events
    where event_date >= {{ window_start }}
    group by account_id

),

last_event as (

    select account_id, max(event_date) as last_event_date
    from events
    group by account_id

),

last_login as (

    select account_id, max(last_login_at) as last_login_at
    from {{ ref('stg_users') }}
    where last_login_at < {{ as_of }}
    group by account_id

)

select
    accounts.account_id,
    coalesce(recent.active_users_30d, 0) as active_users_30d,
    coalesce(recent.videos_uploaded_30d, 0) as videos_uploaded_30d,
    coalesce(recent.plays_30d, 0) as plays_30d,
    coalesce(recent.minutes_watched_30d, 0) as minutes_watched_30d,
    coalesce(recent.embeds_created_30d, 0) as embeds_created_30d,
    -- The later of the last login and the last day with usage (either may be missing).
    case
        when last_login.last_login_at is null then cast(last_event.last_event_date as timestamp)
        when last_event.last_event_date is null then last_login.last_login_at
        when last_login.last_login_at >= cast(last_event.last_event_date as timestamp) then last_login.last_login_at
        else cast(last_event.last_event_date as timestamp)
    end as last_active_at
from {{ ref('stg_accounts') }} as accounts
left join last_30_days as recent on recent.account_id = accounts.account_id
left join last_event on last_event.account_id = accounts.account_id
left join last_login on last_login.account_id = accounts.account_id
