import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient } from '../support/api-client.js';
import { copySyncedExampleProject } from '../support/built-example.js';
import { type ServeProcess, startServe } from '../support/serve-process.js';
import { runSpoke } from '../support/spoke-cli.js';

const TOKEN = 'runs-test-token-0123456789abcdef012345';

type Record = { [column: string]: string | number | boolean | null };
interface Run {
  run_id: string;
  status: string;
  totals: { [count: string]: number };
}
interface ListedRun extends Run {
  sync_counts?: { [field: string]: unknown }[];
}
interface Detail {
  run: Run;
  syncs: ({
    sync_id: string;
    errors: { code: string; count: number; samples: { key: string; message: string }[] }[];
  } & { [count: string]: unknown })[];
}

describe('the run history over HTTP on the example project', () => {
  let project: Awaited<ReturnType<typeof copySyncedExampleProject>>;
  let serve: ServeProcess;
  let api: Awaited<ReturnType<typeof apiClient>>;
  let cliDetail: Detail;
  let cliRecords: Record[];
  let runIds: string[];

  beforeAll(async () => {
    // After `spoke dbt build`.
    project = await copySyncedExampleProject();
    expect(project.build.exitCode, project.build.stderr).toBe(1);
    // Two more runs, so the runs list has pages to turn.
    for (let i = 0; i < 2; i++) await runSpoke(['sync'], { cwd: project.dir });
    const demo = JSON.parse((await runSpoke(['runs', '--json'], { cwd: project.dir })).stdout) as {
      runs: Run[];
    };
    runIds = demo.runs.map((run) => run.run_id);
    expect(runIds).toHaveLength(3);
    const shown = await runSpoke(['runs', 'show', runIds[2]!, '--json'], { cwd: project.dir });
    cliDetail = JSON.parse(shown.stdout) as Detail;
    const records = await runSpoke(['runs', 'records', runIds[2]!, '--json'], { cwd: project.dir });
    cliRecords = (JSON.parse(records.stdout) as { records: Record[] }).records;
    serve = await startServe(project.dir, { SPOKE_API_TOKEN: TOKEN });
    api = await apiClient(serve.url, TOKEN);
  });

  afterAll(async () => {
    serve?.process.kill('SIGTERM');
    await serve?.process;
    await project?.cleanup();
  });

  it('shows the demo run with the counts and the 7 failed records `spoke runs show --json` shows, beside Census’s names', async () => {
    const answer = await api.call<Detail>(`/v1/runs/${runIds[2]!.slice(0, 8)}`);
    expect(answer.status).toBe(200);
    expect(api.undocumented('GET', '/v1/runs/{id}', answer)).toBeNull();
    const { body } = answer;
    expect(body.run.run_id).toBe(cliDetail.run.run_id);
    expect(body.run.totals).toMatchObject(cliDetail.run.totals);
    expect(body.run.totals.records_failed).toBe(7);
    for (const [i, sync] of body.syncs.entries()) {
      expect(sync).toMatchObject(cliDetail.syncs[i]!);
      expect(sync.records_processed).toBe(Number(sync.attempted) + Number(sync.invalid));
      expect(sync.records_updated).toBe(Number(sync.created) + Number(sync.updated) + Number(sync.deleted));
      expect(sync.records_failed).toBe(sync.failed);
      expect(sync.records_invalid).toBe(sync.invalid);
    }
    const failedKeys = body.syncs.flatMap((sync) => sync.errors.flatMap((group) => group.samples));
    expect(failedKeys).toHaveLength(7);
    expect(failedKeys).toContainEqual({
      key: 'usr_00020',
      message: 'Required fields are missing: [LastName]',
    });

    // The list answers every run's per-sync counts at once when asked (the web page's chart).
    const listed = await api.call<{ runs: ListedRun[] }>('/v1/runs?include=syncs');
    expect(api.undocumented('GET', '/v1/runs', listed)).toBeNull();
    const demoRun = listed.body.runs.find((run) => run.run_id === runIds[2])!;
    expect(demoRun.sync_counts).toEqual(
      [...body.syncs]
        .sort((a, b) => a.sync_id.localeCompare(b.sync_id))
        .map(({ sync_id, status, records_updated, records_failed }) =>
          expect.objectContaining({ sync_id, status, records_updated, records_failed }),
        ),
    );
    expect((await api.call<{ runs: ListedRun[] }>('/v1/runs')).body.runs[0]!.sync_counts).toBeUndefined();

    const latest = await api.call<Detail>('/v1/runs/latest');
    expect(latest.body.run.run_id).toBe(runIds[0]);
  });

  it('answers an unknown run id with 404 and the closest ids, and a foreign cursor with 400', async () => {
    const typo = `${runIds[2]!.slice(0, -1)}${runIds[2]!.endsWith('0') ? '1' : '0'}`;
    const answer = await api.call<{ error: { code: string; closest: string[] } }>(`/v1/runs/${typo}`);
    expect(answer.status).toBe(404);
    expect(api.undocumented('GET', '/v1/runs/{id}', answer)).toBeNull();
    expect(answer.body.error.code).toBe('SPOKE_API_UNKNOWN_RUN');
    expect(answer.body.error.closest[0]).toBe(runIds[2]);
    const records = await api.call(`/v1/runs/${typo}/records`);
    expect(records.status).toBe(404);

    const runsPage = await api.call<{ next_cursor: string }>('/v1/runs?limit=1');
    const foreign = await api.call<{ error: { field: string } }>(
      `/v1/runs/${runIds[2]}/records?cursor=${runsPage.body.next_cursor}`,
    );
    expect(foreign.status).toBe(400);
    expect(api.undocumented('GET', '/v1/runs/{id}/records', foreign)).toBeNull();
    expect(foreign.body.error.field).toBe('query.cursor');

    const anonymous = await fetch(`${serve.url}/v1/runs`);
    expect(anonymous.status).toBe(401);
  });

  it('pages runs and records so that every row comes once while another run writes', async () => {
    const seenRuns: string[] = [];
    const seenRecords: Record[] = [];
    const latencies: number[] = [];
    let runCursor: string | null = null;
    let recordCursor: string | null = null;
    let started: string | null = null;
    do {
      const runsPath: string = `/v1/runs?limit=1${runCursor ? `&cursor=${runCursor}` : ''}`;
      const runs = await api.call<{ runs: Run[]; next_cursor: string | null }>(runsPath);
      expect(api.undocumented('GET', '/v1/runs', runs)).toBeNull();
      seenRuns.push(...runs.body.runs.map((run) => run.run_id));
      runCursor = runs.body.next_cursor;
      if (!started) {
        // A run that starts (and writes its log) between the first page and the next.
        const trigger = await api.call<{ run_id: string }>('/v1/runs', { method: 'POST', body: {} });
        expect(trigger.status).toBe(202);
        started = trigger.body.run_id;
      }
    } while (runCursor);
    do {
      const path: string = `/v1/runs/${runIds[2]}/records?limit=100${recordCursor ? `&cursor=${recordCursor}` : ''}`;
      const page = await api.call<{ records: Record[]; next_cursor: string | null }>(path);
      expect(api.undocumented('GET', '/v1/runs/{id}/records', page)).toBeNull();
      latencies.push(page.ms);
      seenRecords.push(...page.body.records);
      recordCursor = page.body.next_cursor;
    } while (recordCursor);

    expect(seenRuns).toEqual(runIds);
    expect(seenRecords).toEqual(cliRecords);
    const after = await api.call<{ runs: Run[] }>('/v1/runs');
    expect(after.body.runs.map((run) => run.run_id)).toEqual([started, ...runIds]);
    latencies.sort((a, b) => a - b);
    console.info(
      `records pages of 100 over HTTP: ${latencies.length} pages, median ${latencies[latencies.length >> 1]!.toFixed(1)} ms, max ${latencies.at(-1)!.toFixed(1)} ms`,
    );
  });

  it('streams the record log as CSV that parses back to the JSON rows, filters included', async () => {
    const csv = await api.call(`/v1/runs/${runIds[2]}/records`, { accept: 'text/csv' });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toContain('text/csv');
    // Streamed as it is read, not buffered whole: no length known up front.
    expect(csv.headers.get('transfer-encoding')).toBe('chunked');
    expect(csv.headers.get('content-length')).toBeNull();
    const documented = api.openapi.paths['/v1/runs/{id}/records']!.get!.responses['200']!.content!;
    expect(Object.keys(documented).sort()).toEqual(['application/json', 'text/csv']);
    const text = (record: Record) =>
      Object.fromEntries(Object.entries(record).map(([k, v]) => [k, v === null ? '' : String(v)]));
    expect(parse(csv.text, { columns: true })).toEqual(cliRecords.map(text));

    const failed = await api.call(
      `/v1/runs/${runIds[2]}/records?status=failed&sync=crm_contacts:salesforce.Contact`,
      {
        accept: 'text/csv',
      },
    );
    const rows = parse(failed.text, { columns: true }) as { record_key: string; error_code: string }[];
    expect(rows.map((row) => `${row.record_key} ${row.error_code}`)).toEqual([
      'usr_00005 INVALID_EMAIL_ADDRESS',
      'usr_00014 INVALID_EMAIL_ADDRESS',
      'usr_00020 REQUIRED_FIELD_MISSING',
    ]);
  });
});
