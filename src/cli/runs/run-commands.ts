import { SpokeError } from '../../errors.js';
import type { RunHistory, RunSummary } from '../../state/history/run-history.js';
import { closestMatches, formatList } from '../../util/suggest.js';
import { commonOptions } from '../common-options.js';
import { listArgs, recordsArgs } from './args.js';
import { detailJson, detailText } from './detail-view.js';
import { neverSynced } from './formats.js';
import { runsJson, runsText } from './list-view.js';
import { type HistoryPlace, withRunHistory } from './open-history.js';
import { writeRecords } from './records-view.js';

/** `spoke runs`: recent runs, newest first. */
export async function listRuns(raw: Record<string, unknown>): Promise<void> {
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
}

/** `spoke runs show <run>`: a run's syncs, counts and errors by code. */
export async function showRun(ref: string, raw: Record<string, unknown>): Promise<void> {
  const common = commonOptions(raw);
  await withRunHistory(common, async (history, place) => {
    const run = await findRun(history, ref, place, common.json ? 'json' : 'table');
    if (!run) return;
    const detail = await history.runDetail(run);
    process.stdout.write(common.json ? detailJson(detail) : detailText(detail));
  });
}

/** `spoke runs records <run>`: the record-level log, as a table, JSON or CSV. */
export async function runRecords(ref: string, raw: Record<string, unknown>): Promise<void> {
  const common = commonOptions(raw);
  const { format, ...query } = recordsArgs(raw, common.json);
  await withRunHistory(common, async (history, place) => {
    const run = await findRun(history, ref, place, format);
    if (!run) return;
    await writeRecords(history.recordPages(run.runId, { ...query, limit: 1000 }), format, run.runId);
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
