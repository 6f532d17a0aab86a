import { MultiBar, Presets, type SingleBar } from 'cli-progress';
import pc from 'picocolors';
import type { SyncSpec } from '../../config/types.js';
import { redact } from '../../util/redact.js';
import type { BatchResult, Reporter, RunInfo, RunResult, SyncResult } from '../lifecycle.js';

/** Errors printed under a sync's line; `spoke sync --json` lists them all. */
const ERRORS_SHOWN = 3;

/**
 * Human output: one line per sync with its counts and first errors, a summary line, and live
 * progress bars when stderr is a terminal (plain lines otherwise, for CI logs).
 */
export class ConsoleReporter implements Reporter {
  private readonly bars = new Map<string, SingleBar>();
  private multiBar: MultiBar | null = null;
  private dryRun = false;

  constructor(
    private readonly out: NodeJS.WritableStream = process.stdout,
    private readonly progress: boolean = Boolean(process.stderr.isTTY),
  ) {}

  onRunStart(run: RunInfo): void {
    this.dryRun = run.dryRun;
    const what = run.syncs.length === 1 ? '1 sync' : `${run.syncs.length} syncs`;
    this.line(`${run.dryRun ? 'Planning' : 'Syncing'} ${what} (target ${run.target}, run ${run.runId})`);
    if (this.progress) {
      this.multiBar = new MultiBar(
        // Row counts are unknown until the model is read, so the bar shows records done, not a ratio.
        { format: ' {id}  {value} records', hideCursor: true, clearOnComplete: true, stream: process.stderr },
        Presets.shades_classic,
      );
    }
  }

  onSyncStart(spec: SyncSpec): void {
    const bar = this.multiBar?.create(0, 0, { id: spec.id });
    if (bar) this.bars.set(spec.id, bar);
  }

  onBatchResult(spec: SyncSpec, batch: BatchResult): void {
    this.bars.get(spec.id)?.increment(batch.outcomes.length + batch.invalid.length);
  }

  onSyncEnd(result: SyncResult): void {
    const bar = this.bars.get(result.id);
    if (bar) {
      this.multiBar?.remove(bar);
      this.bars.delete(result.id);
    }
    this.line(formatSyncLine(result, this.dryRun));
    for (const error of result.errors.slice(0, ERRORS_SHOWN)) {
      this.line(`    ${pc.dim(error.key ?? '(no key)')}  ${pc.red(error.code)}  ${error.message}`);
    }
    const more = result.errors.length + result.errorsOmitted - ERRORS_SHOWN;
    if (more > 0) this.line(pc.dim(`    … and ${more} more (spoke sync --json lists them all)`));
    for (const line of stillFailingLines(result)) this.line(line);
  }

  onRunEnd(run: RunResult): void {
    this.multiBar?.stop();
    const total = (key: 'created' | 'updated' | 'failed' | 'invalid' | 'attempted' | 'stillFailing') =>
      run.syncs.reduce((sum, sync) => sum + sync[key], 0);
    const stillFailing = total('stillFailing') > 0 ? `, ${total('stillFailing')} still failing` : '';
    const seconds = (run.durationMs / 1000).toFixed(1);
    if (run.syncs.length === 0) {
      this.line('No syncs to run: no model in scope declares meta.spoke.');
      return;
    }
    const summary = run.dryRun
      ? `Plan: ${total('attempted')} records would be sent, ${total('invalid')} invalid (${seconds}s). Nothing was written.`
      : `Done in ${seconds}s: ${total('created')} created, ${total('updated')} updated, ${total('failed')} failed, ${total('invalid')} invalid${stillFailing}.`;
    this.line(run.status === 'success' ? pc.green(summary) : pc.yellow(summary));
  }

  private line(text: string): void {
    this.out.write(`${redact(text)}\n`);
  }
}

const SYMBOLS: Record<SyncResult['status'], string> = {
  success: pc.green('✓'),
  partial: pc.yellow('!'),
  failed: pc.red('✗'),
  skipped: pc.dim('-'),
};

export function formatSyncLine(result: SyncResult, dryRun: boolean): string {
  const head = `${SYMBOLS[result.status]} ${result.id}`;
  if (result.status === 'skipped') return `${head}  skipped: ${result.reason}`;
  const counts = dryRun
    ? `would send ${result.attempted}, delete ${result.deleted}, invalid ${result.invalid}, unchanged ${result.unchanged}`
    : `created ${result.created}, updated ${result.updated}, failed ${result.failed}, invalid ${result.invalid}` +
      (result.skipped ? `, skipped ${result.skipped}` : '') +
      (result.stillFailing ? `, still failing ${result.stillFailing}${since(result)}` : '') +
      (result.deleted ? `, deleted ${result.deleted}` : '') +
      (result.unchanged ? `, unchanged ${result.unchanged}` : '');
  const reason = result.status === 'failed' && result.reason ? `  ${pc.red(result.reason)}` : '';
  return `${head}  ${counts}  (${(result.durationMs / 1000).toFixed(1)}s)${reason}`;
}

/** `(since run 1b2c3d4e, 2026-12-01 09:30 UTC)`: when the earliest still-failing record failed. */
function since(result: SyncResult): string {
  const earliest = [...result.stillFailingErrors].sort((a, b) =>
    String(a.since).localeCompare(String(b.since)),
  )[0];
  if (!earliest?.since) return '';
  const when = earliest.since.replace('T', ' ').replace(/:\d\d(\.\d+)?Z?$/, '');
  return earliest.sinceRunId
    ? ` (since run ${earliest.sinceRunId.slice(0, 8)}, ${when} UTC)`
    : ` (since ${when} UTC)`;
}

/** One line per error code of the still-failing records: count, a few keys, the destination's message. */
function stillFailingLines(result: SyncResult): string[] {
  return result.stillFailingErrors.map((group) => {
    const keys = group.samples.map((sample) => sample.key).join(', ');
    const others =
      group.count > group.samples.length ? ` and ${group.count - group.samples.length} more` : '';
    const message = group.samples[0]?.message ?? '';
    return `    ${pc.dim('still failing')}  ${pc.red(group.code)} ×${group.count}  ${pc.dim(keys + others)}  ${message}`;
  });
}
