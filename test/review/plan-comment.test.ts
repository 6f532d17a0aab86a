import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { COMMENT_MARKER } from '../../src/cli/plan/markdown-view.js';
import { repoRoot, runSpoke } from '../support/spoke-cli.js';

const script = join(repoRoot, 'scripts', 'plan-comment.mjs');
const workflow = join(repoRoot, 'dbt_project_example', '.github', 'workflows', 'spoke-plan.yml');

async function comment(plan: string, stderr: string, exitCode: number): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'spoke-plan-comment-'));
  try {
    await writeFile(join(dir, 'plan.md'), plan);
    await writeFile(join(dir, 'plan.err'), stderr);
    const result = await execa(process.execPath, [
      script,
      '--plan',
      join(dir, 'plan.md'),
      '--stderr',
      join(dir, 'plan.err'),
      '--exit-code',
      String(exitCode),
      '--run-url',
      'https://ci.example/run/7',
    ]);
    return result.stdout;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const PLAN = `${COMMENT_MARKER}\n### spoke plan: ci\n\n**Plan: 2 to create, 0 to update, 0 to delete, 0 invalid, 1 sync unchanged.**\n`;

describe('the pull-request comment script', () => {
  it('posts the plan as spoke plan printed it, with a link to the run', async () => {
    const body = await comment(PLAN, '', 2);
    expect(body.startsWith(COMMENT_MARKER)).toBe(true);
    expect(body).toContain('**Plan: 2 to create');
    expect(body).toContain('[The CI run](https://ci.example/run/7)');
  });

  it('says the plan failed, with the end of its error output, when spoke plan exited 1 before planning', async () => {
    const body = await comment('', 'Error [SPOKE_PROFILE]: profiles.yml has no target ci.\n', 1);
    expect(body.startsWith(COMMENT_MARKER)).toBe(true);
    expect(body).toContain('### spoke plan failed');
    expect(body).toContain('exited 1 before it could plan anything');
    expect(body).toContain('profiles.yml has no target ci.');
  });

  it('keeps what a plan that failed part-way found', async () => {
    const body = await comment(PLAN, '', 1);
    expect(body).toContain('part of the plan could not be made');
    expect(body).toContain('**Plan: 2 to create');
    expect(body.split(COMMENT_MARKER)).toHaveLength(2);
  });

  it('is what the example workflow runs, with flags spoke plan has', async () => {
    const steps = (
      parse(await readFile(workflow, 'utf8')) as { jobs: { plan: { steps: { run?: string }[] } } }
    ).jobs.plan.steps;
    const runs = steps.map((step) => step.run ?? '').join('\n');
    expect(runs).toContain('scripts/plan-comment.mjs --plan plan.md --stderr plan.err');
    const planLine = runs.slice(runs.indexOf('npx spoke plan')).split('>')[0]!.replaceAll('\\\n', ' ');
    const help = await runSpoke(['plan', '--help'], { cwd: repoRoot });
    for (const flag of planLine.match(/--[a-z-]+/g) ?? []) expect(help.stdout).toContain(flag);
    expect(planLine).toContain('--detailed-exitcode');
  });
});
