import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbt, editSpokeBlocks, undocumentColumn } from '../support/example-edits.js';
import { copyExampleProject, runSpoke } from '../support/spoke-cli.js';

interface SyncJson {
  id: string;
  created: number;
  failed: number;
}

describe('spoke validate and mapped columns', () => {
  let project: Awaited<ReturnType<typeof copyExampleProject>>;

  beforeAll(async () => {
    project = await copyExampleProject();
    // `domain` exists in the warehouse; schema.yml simply does not document it.
    await undocumentColumn(project.dir, 'crm_accounts', 'domain');
    expect(await dbt(project.dir, ['build'])).toBe(0);
  });
  afterAll(async () => {
    await project?.cleanup();
  });

  it('says what it checked, and warns about an undocumented column with exit 0', async () => {
    const result = await runSpoke(['validate'], { cwd: project.dir });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toContain(
      '✓ Configuration valid (target dev): 4 syncs. Checked meta.spoke, spoke.yml, the profile and the sync order; the model columns in the warehouse and the destination fields are checked when syncing.',
    );
    expect(result.stdout).toMatch(
      /! 2 warnings:\n {2}! models\/marts\/schema\.yml: model crm_accounts: spoke\[0\]\.fields\.domain: column `domain` is not among the documented columns/,
    );
    expect(result.stdout).not.toContain('syncs valid');
  });

  it('syncs a mapped column that exists in the warehouse though schema.yml does not document it', async () => {
    const result = await runSpoke(['sync', '--select', 'crm_accounts', '--json'], { cwd: project.dir });
    expect(result.stderr).not.toContain('SPOKE_CONFIG_INVALID');
    const document = JSON.parse(result.stdout) as { syncs: SyncJson[] };
    for (const sync of document.syncs) expect(sync).toMatchObject({ created: 59, failed: 1 });
  });

  it('stops a run at a mapped column the relation does not have, naming the real columns', async () => {
    await editSpokeBlocks(project.dir, ({ accounts }) => {
      (accounts[1]!.fields as Record<string, unknown>).domian = 'website';
    });
    expect(await dbt(project.dir, ['parse'])).toBe(0);
    const result = await runSpoke(['sync', '--select', 'crm_accounts'], { cwd: project.dir });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(
      /spoke\[1\]\.fields\.domian: column "domian" does not exist in crm_accounts .* Fix: did you mean "domain"\?/,
    );
  });

  it('counts one sync as "1 sync"', async () => {
    await editSpokeBlocks(project.dir, ({ accounts, contacts }) => {
      accounts.splice(1);
      contacts.splice(0);
    });
    expect(await dbt(project.dir, ['parse'])).toBe(0);
    const result = await runSpoke(['validate'], { cwd: project.dir });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toContain('✓ Configuration valid (target dev): 1 sync. Checked');
  });
});
