import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient } from '../support/api-client.js';
import { copySyncedExampleProject } from '../support/built-example.js';
import { editSeed } from '../support/example-edits.js';
import { type ServeProcess, startServe } from '../support/serve-process.js';
import { repoRoot, runSpoke } from '../support/spoke-cli.js';

const TOKEN = 'web-test-token-0123456789abcdef0123456';
const SHOTS = join(repoRoot, 'test-results');

describe('the web page of spoke serve on the example project, in headless Chromium', () => {
  let project: Awaited<ReturnType<typeof copySyncedExampleProject>>;
  let serve: ServeProcess;
  let browser: Browser;
  let page: Page;
  let syncIds: string[];
  let demoRun: string;
  const requested: string[] = [];

  beforeAll(async () => {
    // After `spoke dbt build`.
    project = await copySyncedExampleProject();
    expect(project.build.exitCode, project.build.stderr).toBe(1);
    await runSpoke(['sync'], { cwd: project.dir });
    // 8 of 60 accounts on a plan neither CRM takes: both account syncs fail (over 5%), the contact syncs after them are skipped.
    const plans = (rows: Record<string, string>[]) =>
      rows.map((row) => (row.account_id! <= 'acc_0008' ? { ...row, plan: 'legacy_enterprise' } : row));
    await editSeed(project.dir, 'raw_accounts', plans);
    await editSeed(project.dir, 'raw_subscriptions', plans);
    const failing = await runSpoke(['dbt', 'build'], { cwd: project.dir });
    expect(failing.exitCode, failing.stderr).toBe(1);
    serve = await startServe(project.dir, { SPOKE_API_TOKEN: TOKEN });
    const api = await apiClient(serve.url, TOKEN);
    syncIds = (await api.call<{ syncs: { id: string }[] }>('/v1/syncs')).body.syncs.map((sync) => sync.id);
    const runs = (await api.call<{ runs: { run_id: string }[] }>('/v1/runs')).body.runs;
    demoRun = runs.at(-1)!.run_id;
    await mkdir(SHOTS, { recursive: true });
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium' });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('request', (request) => requested.push(request.url()));
  });

  afterAll(async () => {
    await browser?.close();
    serve?.process.kill('SIGTERM');
    await serve?.process;
    await project?.cleanup();
  });

  it('asks for the token once, refuses a wrong one, and keeps the right one for the tab', async () => {
    await page.goto(serve.url);
    await page.getByLabel('API token').waitFor();
    await page.screenshot({ path: join(SHOTS, 'web-token.png') });
    await page.getByLabel('API token').fill('not-the-token-at-all');
    await page.getByRole('button', { name: 'Open' }).click();
    await expect
      .poll(() => page.locator('#login-error').textContent())
      .toContain('not the one this server accepts');

    await page.getByLabel('API token').fill(TOKEN);
    await page.getByRole('button', { name: 'Open' }).click();
    await page.locator('table.runs tbody tr').first().waitFor();
    await page.reload();
    await page.locator('table.runs tbody tr').first().waitFor();
    expect(await page.locator('#login').isHidden()).toBe(true);
    expect(await page.evaluate('sessionStorage.getItem("spoke-api-token")')).toBe(TOKEN);
  });

  it('charts the runs over time and draws the sync order with each sync’s last outcome', async () => {
    const before = requested.length;
    await page.goto(`${serve.url}/#/`);
    await page.locator('#runs-chart canvas').waitFor();
    expect(await page.locator('#runs-chart .u-legend').textContent()).toContain('failed');
    // One request for the runs and their per-sync counts, not one per run.
    const overview = requested.slice(before).filter((url) => url.includes('/v1/runs'));
    expect(overview.map((url) => new URL(url).pathname + new URL(url).search)).toEqual([
      '/v1/runs?limit=50&include=syncs',
    ]);
    const rows = page.locator('table.runs tbody tr');
    expect(await rows.count()).toBe(3);
    expect(await rows.last().locator('td').nth(6).textContent()).toBe('7');
    // The plain rerun sent nothing, and says why it is not a success: the demo's 7 rows still fail.
    expect(await rows.nth(1).locator('td').nth(6).textContent()).toBe('0');
    expect(await rows.nth(1).locator('td').nth(7).textContent()).toBe('7');

    const nodes = page.locator('#sync-graph g.node');
    expect(
      (await nodes.evaluateAll((all) => all.map((node) => node.getAttribute('data-sync')))).sort(),
    ).toEqual([...syncIds].sort());
    expect(await page.locator('#sync-graph path.edge').count()).toBeGreaterThan(0);
    const statuses = Object.fromEntries(
      await nodes.evaluateAll((all) =>
        all.map((node) => [node.getAttribute('data-sync'), node.getAttribute('data-status')]),
      ),
    );
    expect(statuses).toEqual({
      'crm_accounts:salesforce.Account': 'failed',
      'crm_accounts:hubspot.companies': 'failed',
      'crm_contacts:salesforce.Contact': 'skipped',
      'crm_contacts:hubspot.contacts': 'skipped',
    });
    expect(await page.locator('#sync-graph g.node-failed').first().textContent()).toMatch(
      /failed · \d+ failed/,
    );
    await page.locator('#runs-chart select').selectOption('crm_contacts:salesforce.Contact');
    await page.screenshot({ path: join(SHOTS, 'web-runs-overview.png'), fullPage: true });
  });

  it('shows the demo run: per-sync counts, errors by code, its failed records searchable by key with the destination’s message', async () => {
    await page.locator(`a[href="#/runs/${demoRun}"]`).click();
    await page.locator('table.records tbody tr').first().waitFor();
    const failed = await page.locator('table.syncs td.count-failed').allTextContents();
    expect(failed.map(Number).reduce((a, b) => a + b, 0)).toBe(7);
    expect(await page.locator('#errors-section').textContent()).toContain('INVALID_EMAIL_ADDRESS: 2 records');
    expect(await page.locator('table.records tbody tr').count()).toBe(7);
    expect(
      await page
        .locator('#run-graph g.node')
        .evaluateAll((all) => all.map((node) => node.getAttribute('data-status'))),
    ).toEqual(['partial', 'partial', 'partial', 'partial']);

    await page.getByLabel('Record key').fill('usr_00020');
    const match = page.locator('table.records tbody tr');
    expect(await match.count()).toBe(1);
    expect(await match.textContent()).toContain('Required fields are missing: [LastName]');
    await page.getByLabel('Record key').fill('');
    await page.screenshot({ path: join(SHOTS, 'web-run-detail.png'), fullPage: true });
    await page.locator('#run-graph').screenshot({ path: join(SHOTS, 'web-sync-graph.png') });
  });

  it('keeps the run a reader opened when the overview they left answers late', async () => {
    // The overview's answers are held back (the server still answers them); the reader opens a run meanwhile.
    const slow = '**/v1/runs?limit=50*';
    await page.route(slow, async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 1500));
      await route.continue();
    });
    await page.goto(`${serve.url}/#/`);
    await page.evaluate(`location.hash = ${JSON.stringify(`#/runs/${demoRun}`)}`);
    await page.locator('table.records tbody tr').first().waitFor();
    await page.waitForTimeout(2500);
    await page.unroute(slow);
    expect(await page.locator('#run-summary').isVisible()).toBe(true);
    expect(await page.locator('#runs-chart').count()).toBe(0);
  });

  it('loads everything from the server itself and never puts the token in a URL', () => {
    expect(requested.length).toBeGreaterThan(5);
    for (const url of requested) {
      expect(url.startsWith(serve.url)).toBe(true);
      expect(url).not.toContain(TOKEN);
    }
    expect(requested).toContain(`${serve.url}/ui/vendor/uPlot.esm.js`);
    expect(requested).toContain(`${serve.url}/ui/vendor/dagre.esm.js`);
  });
});
