export const DESTINATION_TYPES = ['salesforce', 'hubspot'] as const;
export type DestinationType = (typeof DESTINATION_TYPES)[number];

export interface SpokeYmlTemplateOptions {
  destinations: readonly DestinationType[];
  /** dbt targets routed to the local sandbox, so they run without CRM credentials. */
  sandboxTargets: readonly string[];
}

const SALESFORCE = `  salesforce:
    type: salesforce
    login_url: "{{ env_var('SF_LOGIN_URL', 'https://login.salesforce.com') }}"
    # A connected app's OAuth username-password flow. Set these where spoke runs against the
    # real org; the '' defaults let sandbox targets render without a Salesforce account.
    username: "{{ env_var('SF_USERNAME', '') }}"
    password: "{{ env_var('SF_PASSWORD', '') }}"
    client_id: "{{ env_var('SF_CLIENT_ID', '') }}"
    client_secret: "{{ env_var('SF_CLIENT_SECRET', '') }}"
    # Change sets of this many records or more go through Bulk API 2.0.
    bulk_threshold: 2000
`;

const HUBSPOT = `  hubspot:
    type: hubspot
    # A private app's access token, with the CRM scopes of the objects you sync.
    access_token: "{{ env_var('HUBSPOT_TOKEN', '') }}"
    # Your account's limit: 100 requests per 10 s on Free/Starter, 190 on Pro/Enterprise.
    rate_limit: { requests: 100, window_ms: 10000 }
`;

/** A commented spoke.yml for a project starting with dbt-spoke. */
export function spokeYmlTemplate(options: SpokeYmlTemplateOptions): string {
  const destinations = options.destinations
    .map((type) => (type === 'salesforce' ? SALESFORCE : HUBSPOT))
    .join('');
  const targets =
    options.sandboxTargets.length === 0
      ? 'targets: {}\n'
      : `targets:\n${options.sandboxTargets.map((name) => `  ${name}:\n    sandbox: true\n`).join('')}`;
  return `# dbt-spoke connections. Where rows go (model, object, fields, key) lives in each model's
# config.meta.spoke; this file only says how to reach each CRM. spoke reads it, dbt never does,
# so credentials never reach target/manifest.json. Credentials only through env_var().
version: 1

destinations:
${destinations}
# Per dbt target (the names in profiles.yml). \`sandbox: true\` sends every destination of that
# target to spoke's local Salesforce and HubSpot emulators (\`spoke sandbox records\` shows what
# they hold). A target not listed here uses the real endpoints and credentials above.
${targets}
# Schema in the warehouse for spoke's own tables (run history, record log, snapshot, id ledger).
state:
  schema: spoke

# Alert once when a sync starts failing and once when it recovers (docs/alerts.md).
# alerts:
#   channels:
#     - type: slack
#       webhook_url: "{{ env_var('SPOKE_SLACK_WEBHOOK_URL', '') }}"
`;
}
