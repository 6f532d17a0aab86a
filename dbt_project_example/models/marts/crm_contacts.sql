-- One row per user, shaped for the CRM: synced to Salesforce Contacts (linked to their
-- Account) and HubSpot contacts (associated with their company) after crm_accounts.
{%- set as_of = "cast('" ~ var('as_of_date') ~ "' as date)" %}

with last_event as (

    select user_id, max(event_date) as last_event_date
    from {{ ref('stg_usage_events') }}
    where event_date < {{ as_of }}
    group by user_id

)

select
    users.user_id,
    users.email,
    users.first_name,
    users.last_name,
    users.job_title,
    users.account_id,
    cast(case
        when last_event.last_event_date is null then users.last_login_at
        when users.last_login_at is null then cast(last_event.last_event_date as timestamp)
        when users.last_login_at >= cast(last_event.last_event_date as timestamp) then users.last_login_at
        else cast(last_event.last_event_date as timestamp)
    end as timestamp) as last_seen_at
from {{ ref('stg_users') }} as users
left join last_event on last_event.user_id = users.user_id
