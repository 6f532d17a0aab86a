select
    user_id,
    account_id,
    -- Emails are normalised but not validated: bad addresses are left for the CRM to reject.
    lower(trim(email)) as email,
    trim(first_name) as first_name,
    nullif(trim(last_name), '') as last_name,
    job_title,
    role,
    created_at,
    last_login_at
from {{ ref('raw_users') }}
