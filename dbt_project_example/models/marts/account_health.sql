{%- set as_of = "cast('" ~ var('as_of_date') ~ "' as date)" -%}

with current_subscription as (

    select account_id, plan, seats, status
    from {{ ref('stg_subscriptions') }}
    where is_current

),

inputs as (

    select
        usage.account_id,
        subscription.status as subscription_status,
        subscription.seats,
        usage.active_users_30d,
        usage.videos_uploaded_30d,
        {{ dbt.datediff('usage.last_active_at', as_of, 'day') }} as days_since_active
    from {{ ref('account_usage') }} as usage
    inner join current_subscription as subscription
        on subscription.account_id = usage.account_id

),

factors as (

    select
        account_id,
        subscription_status,
        seats,
        active_users_30d,
        days_since_active,
        -- Each factor is 0..1; the weights below turn them into a 0-100 score.
        case
            when seats is null or seats = 0 then 0.0
            when active_users_30d >= seats then 1.0
            else 1.0 * active_users_30d / seats
        end as seat_utilisation,
        case
            when days_since_active is null or days_since_active >= 60 then 0.0
            when days_since_active <= 7 then 1.0
            else (60 - days_since_active) / 53.0
        end as recency,
        case
            when videos_uploaded_30d >= 10 then 1.0
            else videos_uploaded_30d / 10.0
        end as content_activity,
        case subscription_status
            when 'active' then 1.0
            when 'past_due' then 0.4
            else 0.0
        end as billing_standing
    from inputs

),

scored as (

    select
        *,
        cast(round(
            35 * seat_utilisation + 20 * recency + 15 * content_activity + 30 * billing_standing,
            2
        ) as numeric(5, 2)) as health_score
    from factors

)

select
    account_id,
    subscription_status,
    seats,
    active_users_30d,
    cast(round(seat_utilisation, 4) as numeric(5, 4)) as seat_utilisation,
    days_since_active,
    health_score,
    case
        when subscription_status = 'canceled' then 'Churning'
        when health_score >= 70 then 'Healthy'
        when health_score >= 40 then 'At Risk'
        else 'Churning'
    end as health_status
from scored
