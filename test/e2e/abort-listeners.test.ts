import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSandbox, startSandbox } from '../../src/sandbox/index.js';
import { dbt } from '../support/example-edits.js';
import { EXAMPLE_SCHEMA_DIR } from '../support/example-schemas.js';
import { type GeneratedProject, generatedProject } from '../support/generated-project.js';
import { runSpoke } from '../support/spoke-cli.js';

// Enough rows for every request slot to be taken and the next round queued: HubSpot 8 batches of
// 100 in flight and 8 more waiting, Salesforce Collections 4 of 200 and 4 more waiting.
const ROWS = 3_000;

describe('a sync with many concurrent requests', () => {
  let sandbox: RunningSandbox;
  let project: GeneratedProject;

  beforeAll(async () => {
    sandbox = await startSandbox({
      schemaDir: EXAMPLE_SCHEMA_DIR,
      stateFile: null,
      hubspotRateLimit: false,
      // Answers slower than the next rows are read: every slot stays taken and the next round waits.
      faults: { latencyMs: 300 },
    });
    project = await generatedProject({
      rows: ROWS,
      salesforceUrl: sandbox.salesforceUrl,
      hubspotUrl: sandbox.hubspotUrl,
      // Above the row count: every Salesforce write goes through Collections, request by request.
      bulkThreshold: ROWS * 10,
    });
    expect(await dbt(project.dir, ['run'])).toBe(0);
  });

  afterAll(async () => {
    await sandbox?.close();
    await project?.cleanup();
  });

  it('prints no MaxListenersExceededWarning for the signal its requests share', async () => {
    const result = await runSpoke(['sync', '--json'], { cwd: project.dir });
    expect(result.exitCode, result.stderr).toBe(0);
    const syncs = JSON.parse(result.stdout).syncs as { created: number }[];
    expect(syncs.map((sync) => sync.created)).toEqual([ROWS, ROWS]);
    expect(result.stderr).not.toContain('MaxListenersExceededWarning');
    expect(result.stderr).not.toContain('memory leak');
  });
});
