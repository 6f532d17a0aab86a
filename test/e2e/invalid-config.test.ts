import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { editSpokeBlocks } from '../support/example-edits.js';
import { copyExampleProject, runSpoke } from '../support/spoke-cli.js';

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

describe('a malformed meta.spoke', () => {
  let cleanup: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await cleanup?.();
  });

  it('stops `spoke dbt build` with exit 2, every problem located, before dbt or any destination writes', async () => {
    const project = await copyExampleProject();
    cleanup = project.cleanup;
    await editSpokeBlocks(project.dir, ({ accounts, contacts }) => {
      accounts[0]!.key = 42; // wrong type
      accounts[1]!.matchh = 'wistia_account_id'; // unknown key (typo)
      delete contacts[0]!.match; // missing key
      contacts[1]!.to = 'zendesk.tickets'; // unknown destination
    });

    const result = await runSpoke(['dbt', 'build'], { cwd: project.dir });

    expect(result.exitCode).toBe(2);
    const output = result.stderr;
    expect(output).toContain('SPOKE_CONFIG_INVALID');
    for (const expected of [
      /schema\.yml.*crm_accounts.*spoke\[0\]\.key/,
      /schema\.yml.*crm_accounts.*spoke\[1\].*matchh/,
      /schema\.yml.*crm_contacts.*spoke\[0\].*match/,
      /schema\.yml.*crm_contacts.*spoke\[1\]\.to.*zendesk/,
    ]) {
      expect(output).toMatch(expected);
    }
    expect(output).toMatch(/Fix:/);
    // dbt never built the models and no sandbox record was written.
    expect(await exists(join(project.dir, '.spoke', 'sandbox-dev.json'))).toBe(false);
    expect(await exists(join(project.dir, 'target', 'run_results.json'))).toBe(false);
  });

  it('reports a cycle in `after` with the syncs that form it, as JSON with --json', async () => {
    const project = await copyExampleProject();
    cleanup = project.cleanup;
    await editSpokeBlocks(project.dir, ({ accounts }) => {
      accounts[0]!.after = ['crm_contacts'];
    });

    const result = await runSpoke(['dbt', 'build', '--json'], { cwd: project.dir });

    expect(result.exitCode).toBe(2);
    const document = JSON.parse(result.stdout) as { error: { code: string; message: string } };
    expect(document.error.code).toBe('SPOKE_GRAPH_CYCLE');
    // A cycle names every sync on it and comes back to where it started.
    const cycle = document.error.message.match(/cycle: (.*?)\. /)![1]!.split(' → ');
    expect(cycle.length).toBeGreaterThanOrEqual(3);
    expect(cycle.at(0)).toBe(cycle.at(-1));
    expect(cycle).toContain('crm_accounts:salesforce.Account');
    expect(cycle).toContain('crm_contacts:salesforce.Contact');
    expect(await exists(join(project.dir, '.spoke', 'sandbox-dev.json'))).toBe(false);
  });

  it('stops at a field the destination does not have, naming it and the closest real field, before writing', async () => {
    const project = await copyExampleProject();
    cleanup = project.cleanup;
    await editSpokeBlocks(project.dir, ({ accounts }) => {
      (accounts[0]!.fields as Record<string, unknown>).plan = 'Plann__c';
    });

    const result = await runSpoke(['dbt', 'build'], { cwd: project.dir });

    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(
      /schema\.yml.*crm_accounts.*spoke\[0\]\.fields\.plan.*Account has no field "Plann__c"/,
    );
    expect(result.stderr).toMatch(/did you mean .?Plan__c/);
    const stored = JSON.parse(
      await readFile(join(project.dir, '.spoke', 'sandbox-dev.json'), 'utf8').catch(() => '{}'),
    );
    const written = [
      'salesforce.Account',
      'salesforce.Contact',
      'hubspot.companies',
      'hubspot.contacts',
    ].flatMap((object) => Object.keys(stored.objects?.[object] ?? {}));
    expect(written).toEqual([]);
  });
});
