import pc from 'picocolors';
import type { RunDetail } from '../../state/history/run-history.js';
import { redact } from '../../util/redact.js';
import { snakeCaseKeys } from '../../util/snake-case-keys.js';
import { formatTable } from '../views/table.js';
import { formatDuration, formatTime, plural } from './formats.js';

export function detailJson(detail: RunDetail): string {
  // The syncs are listed in full below the run: its per-sync counts would repeat them.
  const { bySync: _repeated, ...run } = detail.run;
  return redact(`${JSON.stringify(snakeCaseKeys({ ...detail, run }), null, 2)}\n`);
}

/** The run's line, a table of its syncs, then each sync's failed records by error code. */
export function detailText(detail: RunDetail): string {
  const { run } = detail;
  const lines = [
    `Run ${run.runId}: ${run.status}, target ${run.target}, \`${run.command}\`, started ${formatTime(run.startedAt)} UTC` +
      (run.durationMs === null ? ', not finished' : `, took ${formatDuration(run.durationMs)}`),
  ];
  if (run.error) lines.push(pc.red(`  ${run.error}`));
  lines.push('');
  if (detail.syncs.length === 0) lines.push('No sync was recorded for this run.');
  else {
    const header = ['sync', 'status', 'attempted', 'created', 'updated', 'deleted', 'failed', 'invalid'];
    header.push('skipped', 'unchanged', 'still failing', 'took');
    const rows = detail.syncs.map((sync) => [
      sync.syncId,
      sync.status,
      ...[sync.attempted, sync.created, sync.updated, sync.deleted, sync.failed, sync.invalid].map(String),
      ...[sync.skipped, sync.unchanged, sync.stillFailing].map(String),
      formatDuration(sync.durationMs),
    ]);
    lines.push(formatTable(header, rows, 60));
  }
  for (const sync of detail.syncs) {
    if (!sync.error && sync.errors.length === 0 && sync.stillFailing === 0) continue;
    lines.push('', sync.syncId);
    if (sync.error) lines.push(`  ${pc.red(sync.error)}`);
    if (sync.stillFailing > 0)
      lines.push(
        `  ${pc.yellow(`${plural(sync.stillFailing, 'record')} still failing`)} from an earlier run: not resent until their row changes (or --retry-failed)`,
      );
    for (const group of sync.errors) {
      const more = group.count - group.samples.length;
      lines.push(`  ${pc.red(group.code ?? '(no code)')}: ${plural(group.count, 'record')}`);
      for (const sample of group.samples) lines.push(`    ${sample.key}  ${sample.message ?? ''}`.trimEnd());
      if (more > 0) lines.push(pc.dim(`    … and ${more} more`));
    }
  }
  const failed = detail.syncs.some((sync) => sync.errors.length > 0);
  // A run that sent nothing (all unchanged, or stopped early) logged no record.
  if (detail.syncs.some((sync) => sync.attempted + sync.deleted > 0)) {
    const filter = failed ? ' --status failed' : '';
    lines.push('', pc.dim(`Every record: spoke runs records ${run.runId}${filter} (--csv to export)`));
  }
  return redact(`${lines.join('\n')}\n`);
}
