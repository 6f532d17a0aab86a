import { fstatSync } from 'node:fs';
import { MultiBar, Presets, type SingleBar } from 'cli-progress';
import pc from 'picocolors';
import type { SyncSpec } from '../../config/types.js';
import { redact } from '../../util/redact.js';
import type { AlertDelivery, BatchResult, Reporter, RunInfo, RunResult, SyncResult } from '../lifecycle.js';

/** Errors printed under a sync's line; `--json` lists up to 1,000, the state tables all. */
const ERRORS_SHOWN = 3;

const WITH_TOTAL =
  ' {id}  {bar} {value}/{total} records  {rate}/s  ETA {eta_formatted}  {duration_formatted}';
const WITHOUT_TOTAL = ' {id}  {value} records  {rate}/s  {duration_formatted}';

// While bars are drawn the terminal does not wrap (a wrapped bar would break the redraw); lines
// printed above them wrap again, and each clears what a bar left on its row.
const WRAP_ON = '\x1b[?7h';
const WRAP_OFF = '\x1b[?7l';
const CLEAR_LINE = '\x1b[2K';

export interface ConsoleReporterOptions {
  /** Where result lines go (default stdout). */
  out?: NodeJS.WritableStream;
  /** Live progress bars on stderr (default: when stderr is a terminal). */
  progress?: boolean;
  /**
   * Result lines go through the bar renderer, above the bars, instead of straight to `out`:
   * needed when `out` and the bars share one terminal, or the redraw would overwrite them.
   * Default: when stdout and stderr are the same terminal.
   */
  linesThroughBars?: boolean;
  /** The state schema, named where the full list of errors is. */
  stateSchema?: string;
}

/** stdout and stderr are one terminal (the same device), as in an interactive shell. */
function sameTerminal(): boolean {
  if (!process.stdout.isTTY || !process.stderr.isTTY) return false;
  try {
    return fstatSync(1).rdev === fstatSync(2).rdev;
  } catch {
    return true;
  }
}

interface Progress {
  bar: SingleBar;
  started: number;
  done: number;
}

/**
 * Human output: one line per sync with its counts and first errors, a summary line, and live
 * progress bars (planned total, rate, ETA) when stderr is a terminal; plain lines otherwise,
 * for CI logs.
 */
export class ConsoleReporter implements Reporter {
  private readonly out: NodeJS.WritableStream;
  private readonly progress: boolean;
  private readonly linesThroughBars: boolean;
  private readonly stateSchema: string;
  private runId = '';
  private readonly bars = new Map<string, Progress>();
  private multiBar: MultiBar | null = null;
  /** From the first bar until the last is gone, the renderer owns the terminal's cursor. */
  private drawing = false;
  private dryRun = false;

  constructor(options: ConsoleReporterOptions = {}) {
    this.out = options.out ?? process.stdout;
    this.progress = options.progress ?? Boolean(process.stderr.isTTY);
    this.linesThroughBars = options.linesThroughBars ?? sameTerminal();
    this.stateSchema = options.stateSchema ?? 'spoke';
  }

  onRunStart(run: RunInfo): void {
    this.dryRun = run.dryRun;
    this.runId = run.runId;
    const what = run.syncs.length === 1 ? '1 sync' : `${run.syncs.length} syncs`;
    this.line(`${run.dryRun ? 'Planning' : 'Syncing'} ${what} (target ${run.target}, run ${run.runId})`);
    if (this.progress) {
      this.multiBar = new MultiBar(
        {
          format: WITH_TOTAL,
          hideCursor: true,
          clearOnComplete: true,
          stream: process.stderr,
        },
        Presets.shades_classic,
      );
    }
  }

  onSyncStart(spec: SyncSpec, totalRecords: number | null): void {
    if (!this.multiBar) return;
    const payload = { id: spec.id, rate: '0', remaining: '…' };
    const bar =
      totalRecords === null || totalRecords === 0
        ? this.multiBar.create(0, 0, payload, { format: WITHOUT_TOTAL })
        : this.multiBar.create(totalRecords, 0, payload);
    this.drawing = true;
    this.bars.set(spec.id, { bar, started: Date.now(), done: 0 });
  }

  onBatchResult(spec: SyncSpec, batch: BatchResult): void {
    const progress = this.bars.get(spec.id);
    if (!progress) return;
    progress.done += batch.outcomes.length + batch.invalid.length;
    const seconds = Math.max((Date.now() - progress.started) / 1000, 0.001);
    const total = Math.max(progress.bar.getTotal(), progress.done);
    if (total > progress.bar.getTotal()) progress.bar.setTotal(total);
    const rate = progress.done / seconds;
    progress.bar.update(progress.done, {
      rate: Math.round(rate).toString(),
      remaining: formatSeconds((total - progress.done) / rate),
    });
  }

  onSyncEnd(result: SyncResult): void {
    const lines = [formatSyncLine(result, this.dryRun)];
    for (const error of result.errors.slice(0, ERRORS_SHOWN)) {
      lines.push(`    ${pc.dim(error.key ?? '(no key)')}  ${pc.red(error.code)}  ${error.message}`);
    }
    const more = result.errors.length + result.errorsOmitted - ERRORS_SHOWN;
    if (more > 0) {
      lines.push(
        pc.dim(
          this.dryRun
            ? `    … and ${more} more (--json lists up to 1000)`
            : `    … and ${more} more (--json lists up to 1000; all of them: spoke runs records ${this.runId} --status failed, or ${this.stateSchema}.record_log)`,
        ),
      );
    }
    const progress = this.bars.get(result.id);
    this.bars.delete(result.id);
    if (progress) this.multiBar?.remove(progress.bar);
    lines.push(...stillFailingLines(result));
    this.line(...lines);
    // With no bar left the renderer gives the terminal back, so lines go straight to it again.
    if (this.drawing && this.bars.size === 0) this.stopBars();
  }

  onAlertDelivery(delivery: AlertDelivery): void {
    this.line(
      delivery.delivered
        ? pc.dim(`Alert (${delivery.kind}) sent to ${delivery.channel}.`)
        : pc.yellow(
            `Alert (${delivery.kind}) to ${delivery.channel} not delivered: ${delivery.error}. It is sent again by the next run (or spoke serve).`,
          ),
    );
  }

  onRunEnd(run: RunResult): void {
    this.stopBars();
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

  private stopBars(): void {
    if (!this.drawing) return;
    this.multiBar?.stop();
    this.drawing = false;
  }

  private line(...texts: string[]): void {
    if (this.drawing && this.linesThroughBars && this.multiBar) {
      this.multiBar.log(
        `${WRAP_ON}${texts.map((text) => `${CLEAR_LINE}${redact(text)}\n`).join('')}${WRAP_OFF}`,
      );
      // Drawn now, not at the next frame: the run may end before it.
      this.multiBar.update();
      return;
    }
    for (const text of texts) this.out.write(`${redact(text)}\n`);
  }
}

/** `42s`, `3m05s`, `1h12m`: how long the rest takes at the rate so far. */
function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return '…';
  const s = Math.ceil(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
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
