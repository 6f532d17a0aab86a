select
    account_id,
    trim(company_name) as company_name,
    lower(trim(domain)) as domain,
    industry,
    country,
    lower(trim(plan)) as plan,
    created_at
from {{ ref('raw_accounts') }}
