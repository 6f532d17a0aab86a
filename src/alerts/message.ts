import type { FailureGroup, RecordError, SyncResult } from '../observe/lifecycle.js';
import type { AlertStateRow } from '../state/state-store.js';
import type { HealthEvent } from './health.js';

/** Bounds on one message: a long list would hide the point and break channel limits. */
const MAX_SYNCS = 25;
const MAX_CODES = 10;
const MAX_SAMPLES = 5;
const MAX_MESSAGE_CHARS = 300;

export interface ErrorSummary {
  code: string;
  count: number;
  /** Record keys only, never payloads. */
  sampleKeys: string[];
  /** The destination's own message for the first sample. */
  message: string;
}

export interface AlertedSync {
  id: string;
  model: string;
  destination: string;
  object: string;
  status: string;
  reason: string | null;
  counts: {
    rows: number;
    attempted: number;
    created: number;
    updated: number;
    deleted: number;
    failed: number;
    invalid: number;
    stillFailing: number;
  };
  /** Records that failed in this run. */
  newlyFailing: ErrorSummary[];
  /** Records that failed in an earlier run and still do. */
  stillFailing: ErrorSummary[];
  /** Failure: why it counts as failing. Recovery: since when and for how many runs it failed. */
  failingSince: string | null;
  failingRuns: number | null;
}

/** One alert: what a run changed, for one or more syncs. Channels render their views from it. */
export interface AlertMessage {
  /** Stable id: a receiver that sees it twice (a delivery retried after a crash) keeps one. */
  id: string;
  kind: HealthEvent | 'test';
  runId: string | null;
  target: string;
  createdAt: string;
  syncs: AlertedSync[];
  /** Syncs left out of `syncs` to keep the message short. */
  moreSyncs: number;
  /** How to see everything. */
  command: string | null;
  url: string | null;
}

export interface AlertInput {
  event: HealthEvent;
  result: SyncResult;
  /** The state before (recovery: when it began failing) and after this run. */
  before: AlertStateRow | null;
  reason: string | null;
}

/**
 * One message for the syncs whose health changed the same way at once. `runId` is the run that
 * observed it; null for a change seen between runs (a sync gone stale), whose id is then the
 * time it was seen.
 */
export function buildMessage(
  kind: HealthEvent,
  inputs: AlertInput[],
  run: { runId: string | null; target: string; now: Date; publicUrl: string | null },
): AlertMessage {
  const syncs = inputs.slice(0, MAX_SYNCS).map((input) => alertedSync(input));
  const { runId } = run;
  return {
    id: `${runId ?? `stale-${run.now.getTime()}`}:${kind}`,
    kind,
    runId,
    target: run.target,
    createdAt: run.now.toISOString(),
    syncs,
    moreSyncs: Math.max(0, inputs.length - MAX_SYNCS),
    command: runId ? `spoke runs show ${runId}` : 'spoke runs',
    url: run.publicUrl ? `${run.publicUrl}/${runId ? `#/runs/${encodeURIComponent(runId)}` : ''}` : null,
  };
}

/** A clearly marked message for `spoke alerts test`. */
export function testMessage(target: string, now: Date): AlertMessage {
  return {
    id: `test:${now.getTime()}`,
    kind: 'test',
    runId: null,
    target,
    createdAt: now.toISOString(),
    syncs: [],
    moreSyncs: 0,
    command: null,
    url: null,
  };
}

function alertedSync({ event, result, before, reason }: AlertInput): AlertedSync {
  return {
    id: result.id,
    model: result.model,
    destination: result.destination,
    object: result.object,
    status: result.status,
    reason: event === 'failure' ? (reason ?? result.reason ?? null) : null,
    counts: {
      rows: result.rows,
      attempted: result.attempted,
      created: result.created,
      updated: result.updated,
      deleted: result.deleted,
      failed: result.failed,
      invalid: result.invalid,
      stillFailing: result.stillFailing,
    },
    newlyFailing: groupErrors(result.errors, result.errorsOmitted),
    stillFailing: result.stillFailingErrors.slice(0, MAX_CODES).map(fromFailureGroup),
    failingSince: event === 'recovery' && before ? before.since.toISOString() : null,
    failingRuns: event === 'recovery' && before ? before.failingRuns : null,
  };
}

function groupErrors(errors: readonly RecordError[], omitted: number): ErrorSummary[] {
  const groups = new Map<string, ErrorSummary & { keys: string[] }>();
  for (const error of errors) {
    let group = groups.get(error.code);
    if (!group) {
      group = { code: error.code, count: 0, sampleKeys: [], keys: [], message: clip(error.message) };
      groups.set(error.code, group);
    }
    group.count++;
    if (error.key !== null) group.keys.push(error.key);
  }
  // The first keys in order, so the same failures read the same in every message.
  const sorted = [...groups.values()]
    .map(({ keys, ...group }) => ({ ...group, sampleKeys: [...keys].sort().slice(0, MAX_SAMPLES) }))
    .sort((a, b) => b.count - a.count || a.code.localeCompare(b.code));
  if (omitted > 0) sorted.push({ code: 'MORE', count: omitted, sampleKeys: [], message: 'not listed' });
  return sorted.slice(0, MAX_CODES);
}

function fromFailureGroup(group: FailureGroup): ErrorSummary {
  return {
    code: group.code,
    count: group.count,
    sampleKeys: group.samples.slice(0, MAX_SAMPLES).map((sample) => sample.key),
    message: clip(group.samples[0]?.message ?? ''),
  };
}

function clip(text: string): string {
  return text.length > MAX_MESSAGE_CHARS ? `${text.slice(0, MAX_MESSAGE_CHARS - 1)}…` : text;
}
