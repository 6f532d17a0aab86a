import { closestMatches } from '../../util/suggest.js';
import type { HistorySource } from './history-source.js';
import type { ResolvedRun } from './history-types.js';
import { runColumns, summarizeRuns } from './run-summaries.js';

/** Ids compared against an unknown one: the most recent runs are the ones people mean. */
const RECENT_IDS = 1000;
/** A prefix shorter than this is too likely a typo to stand for a run. */
const MIN_PREFIX = 4;

/**
 * `latest` (the run that started last), a run id, or a prefix of exactly one run id (as git takes
 * short hashes). Otherwise no run, and the ids closest to what was given: those it prefixes,
 * then those within a few edits.
 */
export async function resolveRun(source: HistorySource, ref: string): Promise<ResolvedRun> {
  const table = source.table('runs');
  const select = `SELECT ${runColumns(source)} FROM ${table} r`;
  if (ref === 'latest') {
    const rows = await source.query(
      'read the latest run',
      `${select} ORDER BY r.started_at DESC, r.run_id DESC LIMIT 1`,
      [],
    );
    const [run] = await summarizeRuns(source, rows);
    return run ? { run, closest: [] } : { run: null, closest: [] };
  }
  const exact = await source.query(`read run ${ref}`, `${select} WHERE r.run_id = $1`, [ref]);
  if (exact.length > 0) return { run: (await summarizeRuns(source, exact))[0]!, closest: [] };

  const prefixed = await source.query(
    `read runs starting with ${ref}`,
    `${select} WHERE SUBSTRING(r.run_id, 1, ${ref.length}) = $1 ORDER BY r.started_at DESC, r.run_id DESC LIMIT 6`,
    [ref],
  );
  if (prefixed.length === 1 && ref.length >= MIN_PREFIX)
    return { run: (await summarizeRuns(source, prefixed))[0]!, closest: [] };

  const recent = await source.query(
    'read recent run ids',
    `SELECT r.run_id FROM ${table} r ORDER BY r.started_at DESC, r.run_id DESC LIMIT ${RECENT_IDS}`,
    [],
  );
  const byPrefix = prefixed.map((row) => String(row.run_id));
  const near = closestMatches(
    ref,
    recent.map((row) => String(row.run_id)),
    5,
  );
  return { run: null, closest: [...new Set([...byPrefix, ...near])].slice(0, 5) };
}
