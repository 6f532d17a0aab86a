/**
 * The rendered examples in docs/alerts.md: the failure alert the example project sends on its
 * first run, in each channel's view. `npm run docs:alerts` rewrites the block between the
 * markers; a test checks the committed block is what the renderers produce now.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AlertMessage } from '../src/alerts/message.js';
import { emailView } from '../src/alerts/views/email.js';
import { pagerdutyEvents } from '../src/alerts/views/pagerduty.js';
import { slackView } from '../src/alerts/views/slack.js';
import { webhookView } from '../src/alerts/views/webhook.js';

export const DOC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'alerts.md');
const BEGIN = '<!-- examples:begin (npm run docs:alerts) -->';
const END = '<!-- examples:end -->';

const counts = (rows: number, failed: number) => ({
  rows,
  attempted: rows,
  created: rows - failed,
  updated: 0,
  deleted: 0,
  failed,
  invalid: 0,
  stillFailing: 0,
});

/** What the example project's first `spoke dbt build` alerts (run id and time fixed). */
export const exampleFailure: AlertMessage = {
  id: '5f0c2a71-9e3b-4d8a-a1f2-6c7d8e9f0a1b:failure',
  kind: 'failure',
  runId: '5f0c2a71-9e3b-4d8a-a1f2-6c7d8e9f0a1b',
  target: 'dev',
  createdAt: '2026-12-01T09:30:00.000Z',
  syncs: [
    {
      id: 'crm_contacts:salesforce.Contact',
      model: 'crm_contacts',
      destination: 'salesforce',
      object: 'Contact',
      status: 'partial',
      reason: '3 of 251 records are not synced (1.2%), above the alert threshold of 0%',
      counts: counts(251, 3),
      newlyFailing: [
        {
          code: 'INVALID_EMAIL_ADDRESS',
          count: 2,
          sampleKeys: ['usr_00005', 'usr_00014'],
          message: 'Email: invalid email address: maria.gonzalez@',
        },
        {
          code: 'REQUIRED_FIELD_MISSING',
          count: 1,
          sampleKeys: ['usr_00020'],
          message: 'Required fields are missing: [LastName]',
        },
      ],
      stillFailing: [],
      failingSince: null,
      failingRuns: null,
    },
    {
      id: 'crm_contacts:hubspot.contacts',
      model: 'crm_contacts',
      destination: 'hubspot',
      object: 'contacts',
      status: 'partial',
      reason: '2 of 251 records are not synced (0.8%), above the alert threshold of 0%',
      counts: counts(251, 2),
      newlyFailing: [
        {
          code: 'INVALID_EMAIL',
          count: 2,
          sampleKeys: ['usr_00005', 'usr_00014'],
          message: 'Email address maria.gonzalez@ is invalid',
        },
      ],
      stillFailing: [],
      failingSince: null,
      failingRuns: null,
    },
  ],
  moreSyncs: 0,
  command: 'spoke runs show 5f0c2a71-9e3b-4d8a-a1f2-6c7d8e9f0a1b',
  url: 'https://spoke.example.com/#/runs/5f0c2a71-9e3b-4d8a-a1f2-6c7d8e9f0a1b',
};

export function renderAlertExamples(): string {
  const email = emailView(exampleFailure);
  const sentAt = new Date('2026-12-01T09:30:02.000Z');
  const json = (value: unknown) => JSON.stringify(value, null, 2);
  return [
    BEGIN,
    '',
    '### Email (subject and plain-text part; the HTML part has the same content)',
    '',
    '```text',
    `Subject: ${email.subject}`,
    '',
    email.text.trimEnd(),
    '```',
    '',
    '### Slack (Block Kit, as posted to the incoming webhook)',
    '',
    '```json',
    json(slackView(exampleFailure)),
    '```',
    '',
    '### Webhook (JSON body; `X-Spoke-Signature: sha256=<HMAC of this body>`)',
    '',
    '```json',
    json(webhookView(exampleFailure, sentAt)),
    '```',
    '',
    '### PagerDuty (Events API v2: one event per sync, `dedup_key` = sync id)',
    '',
    '```json',
    json(pagerdutyEvents(exampleFailure, '<routing key>')[0]),
    '```',
    '',
    END,
  ].join('\n');
}

/** docs/alerts.md with its examples block rendered now. */
export async function renderedDoc(): Promise<string> {
  const text = await readFile(DOC, 'utf8');
  const start = text.indexOf(BEGIN);
  const end = text.indexOf(END);
  if (start < 0 || end < 0) throw new Error(`${DOC} lacks the examples markers`);
  return `${text.slice(0, start)}${renderAlertExamples()}${text.slice(end + END.length)}`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  await writeFile(DOC, await renderedDoc());
  console.log(`wrote ${DOC}`);
}
