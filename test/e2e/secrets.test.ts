import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSandbox, startSandbox } from '../../src/sandbox/index.js';
import { dbt } from '../support/example-edits.js';
import { EXAMPLE_SCHEMA_DIR } from '../support/example-schemas.js';
import { type GeneratedProject, generatedProject } from '../support/generated-project.js';
import { type CliResult, runSpoke } from '../support/spoke-cli.js';

/** Distinctive values, with characters that change under URL, form and JSON encoding. */
const SECRETS = {
  SF_PASSWORD: 'Pw-7Zq!p@ss+wörd/S"ecret=1&x',
  SF_CLIENT_SECRET: 'Cs-9Kx~client%41secret',
  HUBSPOT_TOKEN: 'pat-na1-Ht4-distinct-token-5521',
};
const ENV = { ...SECRETS, SF_USERNAME: 'secret-scan@example.com', SF_CLIENT_ID: 'secret-scan-client' };

/**
 * Every form a secret can take in transit, computed here independently of the code under test:
 * raw, URL-encoded, form-encoded, JSON-escaped, and the base64 of each (standard and URL-safe)
 * at each of the three alignments it can start at inside a longer encoded text.
 */
function forms(secret: string): string[] {
  const json = JSON.stringify(secret).slice(1, -1);
  const found = [
    secret,
    encodeURIComponent(secret),
    new URLSearchParams({ s: secret }).toString().slice(2),
    json,
  ];
  const bytes = Buffer.from(secret);
  for (const offset of [0, 1, 2]) {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64');
    const core = encoded.slice(offset === 0 ? 0 : 4, 4 * Math.floor((offset + bytes.length) / 3));
    found.push(core, core.replaceAll('+', '-').replaceAll('/', '_'));
  }
  return [...new Set(found)];
}

function leaks(where: string, text: string): string[] {
  const found: string[] = [];
  for (const [name, secret] of Object.entries(SECRETS)) {
    for (const form of forms(secret))
      if (text.includes(form)) found.push(`${where}: ${name} as ${JSON.stringify(form)}`);
  }
  return found;
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

async function stateTables(dir: string): Promise<Record<string, Record<string, unknown>[]>> {
  const instance = await DuckDBInstance.create(join(dir, 'generated.duckdb'), { access_mode: 'READ_ONLY' });
  const connection = await instance.connect();
  try {
    const tables = (
      await connection.runAndReadAll(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = 'spoke' ORDER BY 1`,
      )
    ).getRowObjectsJson() as { table_name: string }[];
    const out: Record<string, Record<string, unknown>[]> = {};
    for (const { table_name } of tables) {
      out[table_name] = (
        await connection.runAndReadAll(`SELECT * FROM spoke."${table_name}"`)
      ).getRowObjectsJson() as Record<string, unknown>[];
    }
    return out;
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

describe('secrets', () => {
  let sandbox: RunningSandbox;
  let project: GeneratedProject;
  const outputs: [string, CliResult][] = [];
  const spoke = async (label: string, args: string[]) => {
    const result = await runSpoke(args, { cwd: project.dir, env: ENV });
    outputs.push([label, result]);
    return result;
  };

  beforeAll(async () => {
    // A sandbox that accepts the project's own credentials, like a real org and portal would.
    sandbox = await startSandbox({
      schemaDir: EXAMPLE_SCHEMA_DIR,
      stateFile: null,
      hubspotRateLimit: false,
      credentials: {
        salesforce: {
          username: ENV.SF_USERNAME,
          password: SECRETS.SF_PASSWORD,
          clientId: ENV.SF_CLIENT_ID,
          clientSecret: SECRETS.SF_CLIENT_SECRET,
        },
        hubspotToken: SECRETS.HUBSPOT_TOKEN,
      },
    });
    project = await generatedProject({
      rows: 40,
      salesforceUrl: sandbox.salesforceUrl,
      hubspotUrl: sandbox.hubspotUrl,
      credentialsFromEnv: true,
    });
    expect(await dbt(project.dir, ['run'], ENV)).toBe(0);
  });

  afterAll(async () => {
    await sandbox?.close();
    await project?.cleanup();
  });

  it('never appear in any encoding in output, files or state tables, even when servers echo requests', async () => {
    expect((await spoke('validate', ['validate'])).exitCode).toBe(0);

    // A login server that answers by echoing the form it got (password and client secret in it).
    sandbox.faults.replace({ echoes: [{ status: 400, rate: 1, paths: '^POST /services/oauth2/token' }] });
    const refusedLogin = await spoke('failing login', ['sync']);
    expect(refusedLogin.exitCode).toBe(1);
    expect(refusedLogin.stdout + refusedLogin.stderr).toContain('could not log in');
    await spoke('failing login --json', ['sync', '--json']);

    // Logged in, then sessions expire and every refresh is echoed; HubSpot echoes its bearer token.
    expect(await dbt(project.dir, ['run', '--vars', '{version: 2}'], ENV)).toBe(0);
    sandbox.faults.replace({
      expireSessionEvery: 2,
      echoes: [
        { status: 400, rate: 1, skip: 1, paths: '^POST /services/oauth2/token' },
        { status: 401, rate: 1, max: 2, paths: '^POST /crm/v3/objects/contacts/batch/upsert' },
      ],
    });
    await spoke('echoing refresh', ['sync', '--json']);
    expect(sandbox.faults.counters('salesforce').injected.echo).toBeGreaterThan(1);
    expect(sandbox.faults.counters('hubspot').injected.echo).toBeGreaterThan(0);

    sandbox.faults.replace({});
    const clean = await spoke('clean sync', ['sync', '--json']);
    expect(clean.exitCode, clean.stdout.slice(0, 1500)).toBe(0);

    const state = await stateTables(project.dir);
    // The echoes did reach the state tables (masked), from both destinations.
    expect(JSON.stringify(state.record_log)).toContain('could not process POST /services/oauth2/token');
    expect(JSON.stringify(state.record_log)).toContain(
      'could not process POST /crm/v3/objects/contacts/batch/upsert',
    );
    expect(JSON.stringify(state.sync_runs)).toContain('could not log in');

    const found: string[] = [];
    for (const [label, result] of outputs) {
      found.push(...leaks(`${label} stdout`, result.stdout), ...leaks(`${label} stderr`, result.stderr));
    }
    for (const [table, rows] of Object.entries(state))
      found.push(...leaks(`state table ${table}`, JSON.stringify(rows)));
    for (const file of await filesUnder(project.dir)) {
      if (file.endsWith('spoke.yml') || file.endsWith('profiles.yml')) continue;
      found.push(...leaks(file.slice(project.dir.length + 1), (await readFile(file)).toString('latin1')));
      found.push(...leaks(file.slice(project.dir.length + 1), await readFile(file, 'utf8')));
    }
    expect(found).toEqual([]);
  });
});
