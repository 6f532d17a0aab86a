import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PtyRun, runOnPty } from '../support/pty-screen.js';
import { copyExampleProject, repoRoot } from '../support/spoke-cli.js';

/** The example's rows that the CRMs reject (see dbt_project_example/README.md). */
const EXPECTED: Record<string, { counts: string; errors: [string, string][] }> = {
  'crm_accounts:salesforce.Account': {
    counts: 'created 59, updated 0, failed 1, invalid 0',
    errors: [['acc_0059', 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST']],
  },
  'crm_accounts:hubspot.companies': {
    counts: 'created 59, updated 0, failed 1, invalid 0',
    errors: [['acc_0059', 'INVALID_OPTION']],
  },
  'crm_contacts:salesforce.Contact': {
    counts: 'created 248, updated 0, failed 3, invalid 0',
    errors: [
      ['usr_00005', 'INVALID_EMAIL_ADDRESS'],
      ['usr_00014', 'INVALID_EMAIL_ADDRESS'],
      ['usr_00020', 'REQUIRED_FIELD_MISSING'],
    ],
  },
  'crm_contacts:hubspot.contacts': {
    counts: 'created 249, updated 0, failed 2, invalid 0',
    errors: [
      ['usr_00005', 'INVALID_EMAIL'],
      ['usr_00014', 'INVALID_EMAIL'],
    ],
  },
};

describe('spoke dbt build on a terminal', () => {
  let project: Awaited<ReturnType<typeof copyExampleProject>>;
  let run: PtyRun;

  beforeAll(async () => {
    project = await copyExampleProject();
    run = await runOnPty([process.execPath, join(repoRoot, 'dist', 'cli', 'main.js'), 'dbt', 'build'], {
      cwd: project.dir,
    });
  });
  afterAll(async () => {
    await project?.cleanup();
  });

  it('keeps every sync line and every listed error on the final screen', () => {
    expect(run.exitCode, run.all.join('\n')).toBe(1);
    const screen = run.screen.join('\n');
    for (const [id, { counts, errors }] of Object.entries(EXPECTED)) {
      const lines = run.screen.filter((line) => line.includes(` ${id}  `));
      expect(lines, `${id} on the final screen:\n${screen}`).toHaveLength(1);
      expect(lines[0]).toContain(counts);
      for (const [key, code] of errors) {
        expect(
          run.screen.filter((line) => new RegExp(`^ {4}${key} {2}${code} {2}\\S`).test(line)),
          `${id}: ${key} ${code}\n${screen}`,
        ).toHaveLength(1);
      }
    }
    expect(screen).toMatch(/Done in [\d.]+s: 615 created, 0 updated, 7 failed, 0 invalid\./);
    // No bar is left on the screen once the run is over.
    expect(screen).not.toMatch(/records {2}\d+\/s/);
  });

  it('drew progress bars with the planned total, rate and ETA while it ran', () => {
    // Whichever account sync ends first, the other one's bar is drawn right then.
    expect(run.raw).toMatch(
      /crm_accounts:(salesforce\.Account|hubspot\.companies) {2}\S+ \d+\/60 records {2}\d+\/s {2}ETA /,
    );
  });
});
