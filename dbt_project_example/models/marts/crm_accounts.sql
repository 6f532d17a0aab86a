-- One row per account, shaped for the CRM: this is the model dbt-spoke syncs to
-- Salesforce Accounts and HubSpot companies (see schema.yml).
with current_subscription as (

    select account_id, plan, seats, mrr_cents, status
    from {{ ref('stg_subscriptions') }}
    where is_current

)

select
    accounts.account_id,
    accounts.company_name as account_name,
    accounts.domain,
    accounts.industry,
    -- HubSpot's industry property only takes its own codes (LinkedIn's list).
    case accounts.industry
        when 'Agency' then 'MARKETING_AND_ADVERTISING'
        when 'E-commerce' then 'RETAIL'
        when 'Education' then 'EDUCATION_MANAGEMENT'
        when 'Healthcare' then 'HOSPITAL_HEALTH_CARE'
        when 'Media' then 'ONLINE_MEDIA'
        when 'Nonprofit' then 'NON_PROFIT_ORGANIZATION_MANAGEMENT'
        when 'SaaS' then 'COMPUTER_SOFTWARE'
    end as hubspot_industry,
    coalesce(subscription.plan, accounts.plan) as plan,
    cast(
        case when subscription.status = 'canceled' then 0 else coalesce(subscription.mrr_cents, 0) end / 100.0
        as numeric(12, 2)
    ) as mrr,
    cast(subscription.seats as integer) as seats,
    health.health_score,
    health.health_status,
    cast(usage.last_active_at as timestamp) as last_active_at
from {{ ref('stg_accounts') }} as accounts
left join current_subscription as subscription on subscription.account_id = accounts.account_id
left join {{ ref('account_health') }} as health on health.account_id = accounts.account_id
left join {{ ref('account_usage') }} as usage on usage.account_id = accounts.account_id
