with subscriptions as (

    select
        subscription_id,
        account_id,
        lower(trim(plan)) as plan,
        seats,
        mrr_cents,
        started_at,
        ended_at,
        status,
        row_number() over (
            partition by account_id
            order by started_at desc, subscription_id desc
        ) as recency_rank
    from {{ ref('raw_subscriptions') }}

)

select
    subscription_id,
    account_id,
    plan,
    seats,
    mrr_cents,
    started_at,
    ended_at,
    status,
    recency_rank = 1 as is_current
from subscriptions
