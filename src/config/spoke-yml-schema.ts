import { z } from 'zod';
import { stringRecord } from '../util/string-record.js';

/**
 * What users write in spoke.yml beside dbt_project.yml. Values may be `{{ env_var('X') }}`
 * templates (rendered after validation); credentials must be. load-spoke-config normalises a
 * parsed file into a SpokeConfig.
 */

const template = (description: string) => z.string().min(1).describe(description);

export const secretKeys = ['password', 'client_secret', 'access_token'] as const;

const salesforceKeys = {
  login_url: template(
    'Login endpoint (default https://login.salesforce.com; https://test.salesforce.com for sandboxes).',
  ).optional(),
  instance_url: template(
    'Org endpoint, e.g. https://acme.my.salesforce.com; required with access_token.',
  ).optional(),
  api_version: z
    .union([z.string().regex(/^\d+\.\d$/, { error: 'must look like `62.0`' }), z.number().positive()])
    .optional()
    .describe('Salesforce REST API version (default 62.0).'),
  username: template('Integration user for the username-password flow.').optional(),
  password: template("Password plus security token, only as `{{ env_var('SF_PASSWORD') }}`.").optional(),
  client_id: template(
    'Connected app consumer key (username-password or client-credentials flow).',
  ).optional(),
  client_secret: template(
    "Connected app consumer secret, only as `{{ env_var('SF_CLIENT_SECRET') }}`.",
  ).optional(),
  access_token: template(
    "A session or OAuth access token, only as `{{ env_var('SF_ACCESS_TOKEN') }}`.",
  ).optional(),
  bulk_threshold: z
    .number()
    .int()
    .positive()
    .optional()
    .describe(
      'Change sets of at least this many records go through Bulk API 2.0, smaller ones through sObject Collections (default 2000, Salesforce’s own guidance).',
    ),
  bulk_job_size: z
    .number()
    .int()
    .positive()
    .max(1_000_000)
    .optional()
    .describe(
      'Records per Bulk API 2.0 job (default 10000, one Salesforce batch). Up to three jobs of a sync are out at once and memory grows with this size; a job whose upload would pass 100 MB is split.',
    ),
};

const hubspotKeys = {
  base_url: template('API endpoint (default https://api.hubapi.com).').optional(),
  access_token: template("Private app access token, only as `{{ env_var('HUBSPOT_TOKEN') }}`.").optional(),
  rate_limit: z
    .strictObject({
      requests: z
        .number()
        .int()
        .positive()
        .describe('Requests allowed per window (HubSpot: 100 Free/Starter, 190 Professional/Enterprise).'),
      window_ms: z
        .number()
        .int()
        .positive()
        .optional()
        .describe('Window length in milliseconds (default 10000).'),
      daily: z
        .number()
        .int()
        .positive()
        .optional()
        .describe('Daily request quota of the account; syncs stop cleanly when it is reached.'),
    })
    .optional()
    .describe('Client-side limit matching the account tier (default 100 requests per 10 s).'),
};

export const salesforceDestinationSchema = z
  .strictObject({ type: z.literal('salesforce').describe('Destination type.'), ...salesforceKeys })
  .describe(
    'A Salesforce org. Authenticate with username+password+client_id+client_secret, client_id+client_secret (client credentials), or access_token+instance_url.',
  );

export const hubspotDestinationSchema = z
  .strictObject({ type: z.literal('hubspot').describe('Destination type.'), ...hubspotKeys })
  .describe('A HubSpot account, authenticated with a private app access token.');

export const destinationSchema = z.discriminatedUnion('type', [
  salesforceDestinationSchema,
  hubspotDestinationSchema,
]);

export const destinationOverrideSchema = z
  .strictObject({ ...salesforceKeys, ...hubspotKeys })
  .describe("Keys replacing the destination's own for this target (keys of the destination's type only).");

export const sandboxRoutingSchema = z
  .union([
    z.boolean().describe('true: route every destination to a sandbox started in-process.'),
    z
      .strictObject({
        salesforce_url: template(
          'Base URL of a running Salesforce sandbox, e.g. http://127.0.0.1:8787.',
        ).optional(),
        hubspot_url: template(
          'Base URL of a running HubSpot sandbox, e.g. http://127.0.0.1:8788.',
        ).optional(),
      })
      .describe('Route every destination to an already running `spoke sandbox`.'),
  ])
  .describe('Route every destination to the local sandbox (no real API is called).');

export const targetSchema = z
  .strictObject({
    sandbox: sandboxRoutingSchema.optional(),
    destinations: stringRecord(destinationOverrideSchema)
      .optional()
      .describe('Per destination name, keys replacing the ones under `destinations` for this target.'),
  })
  .describe('Settings for one dbt target (the one dbt runs with, `--target` or the profile default).');

const channelName = z
  .string()
  .regex(/^[A-Za-z0-9_-]+$/, { error: 'must be letters, digits, `_` or `-`, e.g. `data-team-email`' })
  .optional()
  .describe('Name a sync refers to in `alerts.channels` (default: the type, e.g. `slack`).');

const emailChannelSchema = z
  .strictObject({
    type: z.literal('email'),
    name: channelName,
    to: z
      .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
      .describe('Recipient address or addresses.'),
    smtp_url: template(
      "SMTP server URL with its credentials, only as `{{ env_var('SMTP_URL') }}`, e.g. smtps://user:pass@smtp.example.com:465.",
    ),
    from: template('Sender address (default dbt-spoke <spoke@localhost>).').optional(),
  })
  .describe('Email over SMTP: a plain-text and an HTML part.');

const slackChannelSchema = z
  .strictObject({
    type: z.literal('slack'),
    name: channelName,
    webhook_url: template("Slack incoming webhook URL, only as `{{ env_var('SLACK_WEBHOOK_URL') }}`."),
  })
  .describe('A Slack incoming webhook (Block Kit message).');

const webhookChannelSchema = z
  .strictObject({
    type: z.literal('webhook'),
    name: channelName,
    url: template('URL receiving a JSON POST per alert.'),
    secret: template(
      "Key of the `X-Spoke-Signature` HMAC-SHA256, only as `{{ env_var('ALERT_WEBHOOK_SECRET') }}`.",
    ).optional(),
  })
  .describe('A generic webhook: JSON body, signed with `secret` when given.');

const pagerdutyChannelSchema = z
  .strictObject({
    type: z.literal('pagerduty'),
    name: channelName,
    routing_key: template("Events API v2 integration key, only as `{{ env_var('PAGERDUTY_ROUTING_KEY') }}`."),
    events_url: template(
      'Events API endpoint (default https://events.pagerduty.com/v2/enqueue; EU: https://events.eu.pagerduty.com/v2/enqueue).',
    ).optional(),
  })
  .describe('PagerDuty Events API v2: an incident per sync, opened on failure and resolved on recovery.');

export const alertChannelSchema = z.discriminatedUnion('type', [
  emailChannelSchema,
  slackChannelSchema,
  webhookChannelSchema,
  pagerdutyChannelSchema,
]);

/** Channel keys that carry credentials: accepted only as env_var(), masked in every output. */
export const channelSecretKeys = ['smtp_url', 'webhook_url', 'secret', 'routing_key'] as const;

export const alertsSchema = z
  .strictObject({
    channels: z.array(alertChannelSchema).optional().describe('Where failure and recovery alerts go.'),
    failed_records_ratio: z
      .number()
      .min(0)
      .max(1)
      .optional()
      .describe(
        'A sync counts as failing when the share of its rows not synced (failed, invalid, still failing) is above this (default 0.05; 0: any failed record).',
      ),
    recover_after: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe('Healthy runs in a row before a failing sync counts as recovered (default 1).'),
    max_staleness: z
      .string()
      .regex(/^\d+(\.\d+)?\s*(m|h|d)$/, { error: 'must be a duration such as `6h`, `90m` or `1d`' })
      .optional()
      .describe('A sync not successful for longer than this counts as failing (checked by `spoke serve`).'),
    public_url: template(
      'Where `spoke serve` is reachable (e.g. https://spoke.example.com): alerts link to the run’s page.',
    ).optional(),
  })
  .describe('Alert once when a sync starts failing and once when it recovers.');

export const spokeYmlSchema = z
  .strictObject({
    version: z.literal(1).describe('Format version of this file: 1.'),
    destinations: stringRecord(destinationSchema)
      .optional()
      .describe('Named destinations; a model writes `to: <name>.<object>`.'),
    targets: stringRecord(targetSchema)
      .optional()
      .describe('Per dbt target overrides, e.g. `dev: { sandbox: true }`.'),
    state: z
      .strictObject({
        schema: z
          .string()
          .regex(/^[A-Za-z_][A-Za-z0-9_$]*$/, { error: 'must be a plain schema name, e.g. `spoke`' })
          .optional()
          .describe('Warehouse schema holding run history, record log, snapshots and queue (default spoke).'),
      })
      .optional()
      .describe('Where dbt-spoke keeps its state in the warehouse.'),
    alerts: alertsSchema.optional(),
  })
  .describe('dbt-spoke connections (spoke.yml beside dbt_project.yml).');

export type SpokeYmlInput = z.input<typeof spokeYmlSchema>;
export type DestinationInput = z.input<typeof destinationSchema>;
export type DestinationOverrideInput = z.input<typeof destinationOverrideSchema>;
