import type { Command } from 'commander';
import { SpokeError } from '../../errors.js';
import type { RunHistory, RunSummary } from '../../state/history/run-history.js';
import { closestMatches, formatList } from '../../util/suggest.js';
import { commonOptions, withCommonOptions } from '../common-options.js';
import { EXIT_OK } from '../exit-codes.js';
import { listArgs, recordsArgs } from './args.js';
import { detailJson, detailText } from './detail-view.js';
import { neverSynced } from './formats.js';
import { runsJson, runsText } from './list-view.js';
import { type HistoryPlace, withRunHistory } from './open-history.js';
import { writeRecords } from './records-view.js';

export function registerRuns(program: Command, setExitCode: (code: number) => void): void {
  const runs = withCommonOptions(
    program
      .command('runs')
      .description('run history: recent runs, a run’s syncs and errors, its record-level log')
      .option('--limit <n>', 'runs to list (1 to 1000)', '20')
      .option('--sync <id>', 'only runs that included this sync id')
      .option('--status <status>', 'only runs that ended so: success, failed, error, locked or running')
      .option('--cursor <cursor>', 'list the runs older than the page that printed this cursor')
      // `spoke runs show x --json`: the flag belongs to `show`, not to `runs`.
      .enablePositionalOptions(),
  ).action(async (raw: Record<string, unknown>) => {
    const common = commonOptions(raw);
    const args = listArgs(raw);
    await withRunHistory(common, async (history, place) => {
      const page = await history.listRuns(args);
      if (common.json) process.stdout.write(runsJson(page, history.recorded));
      else if (!history.recorded) process.stdout.write(`${neverSynced(place.schema, place.target)}\n`);
      else {
        const mistyped =
          page.items.length === 0 && args.syncId ? await unknownSync(history, args.syncId) : null;
        process.stdout.write(mistyped ?? runsText(page, listCommand(raw)));
      }
    });
    setExitCode(EXIT_OK);
  });

  withCommonOptions(
    runs
      .command('show')
      .description('a run’s per-sync counts and timings, and its failed records grouped by error code')
      .argument('<run>', 'run id (or a unique prefix of one), or `latest`'),
  ).action(async (ref: string, raw: Record<string, unknown>) => {
    const common = commonOptions(raw);
    await withRunHistory(common, async (history, place) => {
      const run = await findRun(history, ref, place, common.json ? 'json' : 'table');
      if (!run) return;
      const detail = await history.runDetail(run);
      process.stdout.write(common.json ? detailJson(detail) : detailText(detail));
    });
    setExitCode(EXIT_OK);
  });

  withCommonOptions(
    runs
      .command('records')
      .description('a run’s record-level log: every attempt at every record, with its outcome')
      .argument('<run>', 'run id (or a unique prefix of one), or `latest`')
      .option('--sync <id>', 'only this sync')
      .option(
        '--status <status>',
        'only attempts that ended so: created, updated, deleted, skipped or failed',
      )
      .option('--operation <op>', 'only upsert, update, create, delete or associate')
      .option('--key <key>', 'only this record key')
      .option('--csv', 'CSV with a header row, streamed (for spreadsheets and exports)', false),
  ).action(async (ref: string, raw: Record<string, unknown>) => {
    const common = commonOptions(raw);
    const { format, ...query } = recordsArgs(raw, common.json);
    await withRunHistory(common, async (history, place) => {
      const run = await findRun(history, ref, place, format);
      if (!run) return;
      await writeRecords(history.recordPages(run.runId, { ...query, limit: 1000 }), format, run.runId);
    });
    setExitCode(EXIT_OK);
  });
}

/**
 * The run `ref` names. Null (after saying so) when nothing was recorded yet and `latest` was
 * asked for; an unknown id is a usage error naming the closest ids.
 */
async function findRun(
  history: RunHistory,
  ref: string,
  place: HistoryPlace,
  format: 'table' | 'json' | 'csv',
): Promise<RunSummary | null> {
  const { run, closest } = await history.resolveRun(ref);
  if (run) return run;
  if (ref === 'latest') {
    const message = neverSynced(place.schema, place.target);
    // A CSV export stays empty rather than starting with a sentence.
    if (format === 'json') process.stdout.write(`${JSON.stringify({ recorded: false, message }, null, 2)}\n`);
    else (format === 'csv' ? process.stderr : process.stdout).write(`${message}\n`);
    return null;
  }
  const where = history.recorded ? `in ${place.schema}.runs` : `(${place.schema} holds no run history yet)`;
  const near = closest.length > 0 ? ` Closest: ${formatList(closest)}.` : '';
  throw new SpokeError(
    'SPOKE_RUN_NOT_FOUND',
    `There is no run \`${ref}\` ${where}.${near} \`spoke runs\` lists recent runs; \`latest\` names the last one.`,
  );
}

/** Why `--sync` matched nothing when no run ever recorded that sync, with the id meant. */
async function unknownSync(history: RunHistory, syncId: string): Promise<string | null> {
  const known = await history.syncIds();
  if (known.includes(syncId)) return null;
  const [near] = closestMatches(syncId, known, 1);
  const hint = near ? ` Did you mean \`${near}\`?` : ` Syncs recorded: ${formatList(known)}.`;
  return `No run recorded sync \`${syncId}\`.${hint}\n`;
}

/** The list command as typed, for the next page's hint. */
function listCommand(raw: Record<string, unknown>): string {
  const parts = ['spoke runs'];
  if (raw.limit !== '20') parts.push(`--limit ${raw.limit}`);
  if (typeof raw.sync === 'string') parts.push(`--sync ${raw.sync}`);
  if (typeof raw.status === 'string') parts.push(`--status ${raw.status}`);
  if (typeof raw.target === 'string') parts.push(`--target ${raw.target}`);
  return parts.join(' ');
}
