import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbt, editSpokeBlocks } from '../support/example-edits.js';
import { copyExampleProject, runSpoke } from '../support/spoke-cli.js';

describe('hints name what this project did', () => {
  let project: Awaited<ReturnType<typeof copyExampleProject>>;

  beforeAll(async () => {
    project = await copyExampleProject();
    // One meta.spoke block, as a first try on one's own project: contacts to HubSpot only.
    await editSpokeBlocks(project.dir, ({ accounts, contacts }) => {
      const hubspot = contacts[1]!;
      delete hubspot.after;
      delete hubspot.associations;
      accounts.splice(0);
      contacts.splice(0, contacts.length, hubspot);
    });
    expect(await dbt(project.dir, ['build'])).toBe(0);
  });
  afterAll(async () => {
    await project?.cleanup();
  });

  it('lists the fields a mapping could use when no field name is close, instead of pointing at a command that cannot', async () => {
    await editSpokeBlocks(project.dir, ({ contacts }) => {
      (contacts[0]!.fields as Record<string, unknown>).job_title = 'qqqqqqqqqqqq';
    });
    expect(await dbt(project.dir, ['parse'])).toBe(0);
    const result = await runSpoke(['sync'], { cwd: project.dir });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(
      /spoke\[0\]\.fields\.job_title: contacts has no field "qqqqqqqqqqqq" in spoke_schemas\/hubspot\/contacts\.json \(saved by `spoke schema pull`; the file may be out of date\)\. Fix: use one of contacts's writable fields \([^)]*\bjobtitle\b[^)]*\), or create the field in the destination\./,
    );
    expect(result.stderr).not.toContain('spoke validate');
  });

  it('ends a run with the command that shows the objects this run wrote, and that command shows them', async () => {
    await editSpokeBlocks(project.dir, ({ contacts }) => {
      (contacts[0]!.fields as Record<string, unknown>).job_title = 'jobtitle';
    });
    expect(await dbt(project.dir, ['parse'])).toBe(0);
    const result = await runSpoke(['sync'], { cwd: project.dir });
    expect(result.exitCode).toBe(1);
    const hint = result.stdout.slice(result.stdout.indexOf('Records this run wrote'));
    expect(hint).toBe(
      'Records this run wrote are in the sandbox of target dev:\n  npx spoke sandbox records hubspot contacts --target dev',
    );

    const shown = await runSpoke(['sandbox', 'records', 'hubspot', 'contacts', '--target', 'dev'], {
      cwd: project.dir,
    });
    expect(shown.exitCode).toBe(0);
    expect(shown.stdout).toMatch(/\n249 contacts records$/);
  });

  it('gives no sandbox hint when the run wrote nothing', async () => {
    const result = await runSpoke(['sync'], { cwd: project.dir });
    // Exit 1: the two contacts with bad emails still fail; nothing was written.
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain('2 still failing');
    expect(result.stdout).not.toContain('sandbox records');
  });
});
