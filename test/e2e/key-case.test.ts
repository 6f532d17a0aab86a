import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSandbox, startSandbox } from '../../src/sandbox/index.js';
import { dbt } from '../support/example-edits.js';
import { EXAMPLE_SCHEMA_DIR } from '../support/example-schemas.js';
import { type GeneratedProject, generatedProject } from '../support/generated-project.js';
import { runSpoke } from '../support/spoke-cli.js';

describe('keys differing only in case', () => {
  let sandbox: RunningSandbox;
  let project: GeneratedProject;

  beforeAll(async () => {
    sandbox = await startSandbox({ schemaDir: EXAMPLE_SCHEMA_DIR, stateFile: null, hubspotRateLimit: false });
    project = await generatedProject({
      rows: 3,
      salesforceUrl: sandbox.salesforceUrl,
      hubspotUrl: sandbox.hubspotUrl,
    });
    // Row 2's key again, upper-cased: one record to Salesforce, another to a HubSpot unique property.
    await writeFile(
      join(project.dir, 'models', 'people.sql'),
      `select * from (values
  ('p0000001', 'person1@example.com', 'First1', 'Last1', 'Title 1'),
  ('p0000002', 'person2@example.com', 'First2', 'Last2', 'Title 1'),
  ('P0000002', 'shout2@example.com', 'First2', 'Shout2', 'Title 1')
) as t(person_id, email, first_name, last_name, job_title)`,
    );
    expect(await dbt(project.dir, ['run'])).toBe(0);
  });

  afterAll(async () => {
    await sandbox?.close();
    await project?.cleanup();
  });

  it('are duplicates where the destination matches keys without regard to case, and distinct where it does not', async () => {
    const run = await runSpoke(['sync', '--json'], { cwd: project.dir });
    const syncs = new Map(
      (
        JSON.parse(run.stdout) as {
          syncs: {
            id: string;
            created: number;
            invalid: number;
            errors: { key: string; code: string; message: string }[];
          }[];
        }
      ).syncs.map((sync) => [sync.id, sync]),
    );
    const salesforce = syncs.get('people:salesforce.Contact')!;
    expect(salesforce).toMatchObject({ created: 1, invalid: 2 });
    expect(salesforce.errors.map((e) => [e.key, e.code]).sort()).toEqual([
      ['P0000002', 'KEY_DUPLICATE'],
      ['p0000002', 'KEY_DUPLICATE'],
    ]);
    expect(salesforce.errors[0]!.message).toContain('without regard to case');
    // Nothing reached Salesforce for either, so no DUPLICATE_VALUE failure for the second one.
    expect(sandbox.store.records('salesforce', 'Contact').map((r) => r.fields.Wistia_User_Id__c)).toEqual([
      'p0000001',
    ]);
    expect(syncs.get('people:hubspot.contacts')).toMatchObject({ created: 3, invalid: 0 });
  });
});
