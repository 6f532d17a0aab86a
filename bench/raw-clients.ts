// The client libraries alone, as a hand-tuned script would drive them, against the same sandbox
// process and with the same rows as the bench model: the rate spoke is compared with.
import { Client } from '@hubspot/api-client';
import jsforce from 'jsforce';
import { HUBSPOT_SANDBOX_TOKEN, SALESFORCE_SANDBOX_CREDENTIALS } from '../src/sandbox/index.js';

export type SyncPath = 'hubspot' | 'bulk' | 'collections';

/** What spoke's destinations use: HubSpot 8 batches of 100 in flight, Salesforce 4 requests, 100k-row Bulk jobs. */
const HUBSPOT_CONCURRENCY = 8;
const HUBSPOT_BATCH = 100;
const SALESFORCE_CONCURRENCY = 4;
const COLLECTION_SIZE = 200;
const BULK_JOB_ROWS = 100_000;
const BULK_POLL_MS = 500;

export interface RawMeasure {
  path: SyncPath;
  records: number;
  seconds: number;
  failed: number;
}

/** The bench model's row `i` (bench-project.ts), keyed with `prefix` so each round creates records. */
function row(i: number, prefix: string) {
  return {
    key: `${prefix}${String(i).padStart(8, '0')}`,
    email: `${prefix}person${i}@example.com`,
    first: `First${i % 1000}`,
    last: `Last${i}`,
    title: 'Title',
  };
}

async function pool(tasks: number, concurrency: number, run: (task: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < tasks) await run(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, tasks) }, worker));
}

export async function rawClientRate(
  path: SyncPath,
  urls: { salesforceUrl: string; hubspotUrl: string },
  rows: number,
  prefix: string,
): Promise<RawMeasure> {
  if (path === 'hubspot') return rawHubspot(urls.hubspotUrl, rows, prefix);
  const { username, password, clientId, clientSecret } = SALESFORCE_SANDBOX_CREDENTIALS;
  const conn = new jsforce.Connection({
    loginUrl: urls.salesforceUrl,
    oauth2: { loginUrl: urls.salesforceUrl, clientId, clientSecret },
    version: '62.0',
  });
  await conn.login(username, password);
  return path === 'bulk' ? rawBulk(conn, rows, prefix) : rawCollections(conn, rows, prefix);
}

/** `batchApi.upsert` of 100 contacts by `wistia_user_id`, 8 requests in flight. */
async function rawHubspot(url: string, rows: number, prefix: string): Promise<RawMeasure> {
  const client = new Client({ accessToken: HUBSPOT_SANDBOX_TOKEN, basePath: url });
  let failed = 0;
  const started = performance.now();
  await pool(Math.ceil(rows / HUBSPOT_BATCH), HUBSPOT_CONCURRENCY, async (batch) => {
    const inputs = [];
    for (let i = batch * HUBSPOT_BATCH + 1; i <= Math.min(rows, (batch + 1) * HUBSPOT_BATCH); i++) {
      const r = row(i, prefix);
      inputs.push({
        idProperty: 'wistia_user_id',
        id: r.key,
        properties: { email: r.email, firstname: r.first, lastname: r.last, jobtitle: r.title },
      });
    }
    const answer = await client.crm.contacts.batchApi.upsert({ inputs });
    failed += inputs.length - answer.results.length;
  });
  return { path: 'hubspot', records: rows, seconds: (performance.now() - started) / 1000, failed };
}

/** `bulk2.loadAndWaitForResults`, one upsert job per 100k rows (spoke's job size), one after another. */
async function rawBulk(conn: jsforce.Connection, rows: number, prefix: string): Promise<RawMeasure> {
  let failed = 0;
  const started = performance.now();
  for (let start = 1; start <= rows; start += BULK_JOB_ROWS) {
    const lines = ['Wistia_User_Id__c,Email,FirstName,LastName,Title'];
    for (let i = start; i < Math.min(rows + 1, start + BULK_JOB_ROWS); i++) {
      const r = row(i, prefix);
      lines.push(`${r.key},${r.email},${r.first},${r.last},${r.title}`);
    }
    const results = await conn.bulk2.loadAndWaitForResults({
      object: 'Contact',
      operation: 'upsert',
      externalIdFieldName: 'Wistia_User_Id__c',
      lineEnding: 'LF',
      input: `${lines.join('\n')}\n`,
      pollInterval: BULK_POLL_MS,
      pollTimeout: 600_000,
    } as never);
    failed += results.failedResults.length + results.unprocessedRecords.length;
  }
  return { path: 'bulk', records: rows, seconds: (performance.now() - started) / 1000, failed };
}

/** sObject Collections upserts of 200 (`allOrNone: false`), 4 requests in flight. */
async function rawCollections(conn: jsforce.Connection, rows: number, prefix: string): Promise<RawMeasure> {
  let failed = 0;
  const started = performance.now();
  await pool(Math.ceil(rows / COLLECTION_SIZE), SALESFORCE_CONCURRENCY, async (batch) => {
    const records = [];
    for (let i = batch * COLLECTION_SIZE + 1; i <= Math.min(rows, (batch + 1) * COLLECTION_SIZE); i++) {
      const r = row(i, prefix);
      records.push({
        Wistia_User_Id__c: r.key,
        Email: r.email,
        FirstName: r.first,
        LastName: r.last,
        Title: r.title,
      });
    }
    const results = await conn.sobject('Contact').upsert(records, 'Wistia_User_Id__c', { allOrNone: false });
    failed += (Array.isArray(results) ? results : [results]).filter((result) => !result.success).length;
  });
  return { path: 'collections', records: rows, seconds: (performance.now() - started) / 1000, failed };
}
