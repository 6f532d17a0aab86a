import pc from 'picocolors';
import type { Page, RunSummary } from '../../state/history/run-history.js';
import { redact } from '../../util/redact.js';
import { snakeCaseKeys } from '../../util/snake-case-keys.js';
import { formatTable } from '../views/table.js';
import { formatDuration, formatTime } from './formats.js';

export function runsJson(page: Page<RunSummary>, recorded: boolean): string {
  const document = { recorded, runs: page.items, nextCursor: page.nextCursor };
  return redact(`${JSON.stringify(snakeCaseKeys(document), null, 2)}\n`);
}

export function runsText(page: Page<RunSummary>, nextCommand: string): string {
  if (page.items.length === 0) return 'No runs match.\n';
  const rows = page.items.map((run) => [
    run.runId,
    formatTime(run.startedAt),
    formatDuration(run.durationMs),
    run.status,
    String(run.syncs),
    String(run.totals.created),
    String(run.totals.updated),
    String(run.totals.deleted),
    String(run.totals.failed),
    String(run.totals.invalid),
    String(run.totals.unchanged),
    String(run.totals.stillFailing),
    run.target,
    run.command,
  ]);
  const header = ['run', 'started (UTC)', 'took', 'status', 'syncs', 'created', 'updated', 'deleted'];
  header.push('failed', 'invalid', 'unchanged', 'still failing', 'target', 'command');
  const lines = [formatTable(header, rows, 48)];
  if (page.nextCursor) lines.push(pc.dim(`Older runs: ${nextCommand} --cursor ${page.nextCursor}`));
  lines.push(pc.dim('A run’s syncs and errors: spoke runs show <run-id|latest>'));
  return redact(`${lines.join('\n')}\n`);
}
