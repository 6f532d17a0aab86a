import { redact } from '../util/redact.js';
import type { CommittedBatch } from './state-store.js';

export interface LogRow {
  key: string;
  operation: string;
  attempt: number;
  status: string;
  destinationId: string | null;
  errorCode: string | null;
  errorMessage: string | null;
  transient: boolean | null;
}

export interface SnapshotRow {
  key: string;
  hash: string;
  values: string;
  destinationId: string | null;
}

export interface FailureRow {
  key: string;
  hash: string | null;
  code: string;
  message: string | null;
}

export interface LedgerRow {
  key: string;
  destinationId: string;
  /** The sync id when this write created the record; null keeps what the ledger knows. */
  createdBy: string | null;
}

/** What one committed batch changes in each state table, at most one change per key and table. */
export interface BatchWrites {
  log: LogRow[];
  snapshotUpserts: SnapshotRow[];
  snapshotDeletes: string[];
  failureUpserts: FailureRow[];
  failureDeletes: string[];
  ledgerUpserts: LedgerRow[];
  ledgerDeletes: string[];
  /** Keys answered for good: they leave the in-flight list. */
  inFlightDone: string[];
}

type Change<T> = { upsert: T } | { delete: true };

/**
 * Folds a batch's entries, in order, into the rows each table gets. Later entries for a key win
 * (a transient failure then a success advances the snapshot), and no statement touches a key
 * twice, which ON CONFLICT forbids.
 */
export function batchWrites(batch: CommittedBatch, maxErrorChars: number): BatchWrites {
  const log: LogRow[] = [];
  const snapshot = new Map<string, Change<SnapshotRow>>();
  const failures = new Map<string, Change<FailureRow>>();
  const ledger = new Map<string, Change<LedgerRow>>();
  const answered = new Set<string>();

  for (const entry of batch.entries) {
    const { outcome } = entry;
    const error = outcome.error;
    // A transient failure may have been applied all the same (a timeout after the write): the
    // record stays in flight, so the next run resends it whatever the snapshot says.
    if (outcome.status === 'failed' && error?.transient) answered.delete(entry.key);
    else answered.add(entry.key);
    log.push({
      key: entry.key,
      operation: entry.operation,
      attempt: entry.attempt,
      status: outcome.status,
      destinationId: outcome.destinationId ?? null,
      errorCode: error?.code ?? null,
      errorMessage: error ? redact(error.message).slice(0, maxErrorChars) : null,
      transient: error ? error.transient : null,
    });

    if (entry.operation === 'delete') {
      if (outcome.status === 'deleted') {
        snapshot.set(entry.key, { delete: true });
        ledger.set(entry.key, { delete: true });
        failures.set(entry.key, { delete: true });
      }
      continue;
    }
    // Associations are a second phase of a write whose own entry already advanced the snapshot.
    const confirmsWrite =
      entry.operation !== 'associate' &&
      (outcome.status === 'created' ||
        outcome.status === 'updated' ||
        (outcome.status === 'skipped' && outcome.destinationId !== undefined));
    if (confirmsWrite) {
      const destinationId = outcome.destinationId ?? null;
      if (entry.hash !== undefined) {
        const values = JSON.stringify(entry.values ?? {});
        snapshot.set(entry.key, { upsert: { key: entry.key, hash: entry.hash, values, destinationId } });
      }
      if (destinationId !== null) {
        const createdBy = outcome.status === 'created' ? batch.syncId : null;
        ledger.set(entry.key, { upsert: { key: entry.key, destinationId, createdBy } });
      }
      failures.set(entry.key, { delete: true });
    } else if (outcome.status === 'failed' && error && !error.transient) {
      failures.set(entry.key, {
        upsert: {
          key: entry.key,
          hash: entry.hash ?? null,
          code: error.code,
          message: redact(error.message).slice(0, maxErrorChars),
        },
      });
    }
  }

  return {
    log,
    snapshotUpserts: upserts(snapshot),
    snapshotDeletes: deletes(snapshot),
    failureUpserts: upserts(failures),
    failureDeletes: deletes(failures),
    ledgerUpserts: upserts(ledger),
    ledgerDeletes: deletes(ledger),
    inFlightDone: [...answered],
  };
}

function upserts<T>(changes: Map<string, Change<T>>): T[] {
  return [...changes.values()].flatMap((change) => ('upsert' in change ? [change.upsert] : []));
}

function deletes<T>(changes: Map<string, Change<T>>): string[] {
  return [...changes].flatMap(([key, change]) => ('delete' in change ? [key] : []));
}
