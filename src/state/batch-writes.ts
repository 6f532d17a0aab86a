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

/** A key's change to one table: its new row, or null to delete it. */
type Changes<T> = Map<string, T | null>;

/**
 * Folds a batch's entries, in order, into the rows each table gets. Later entries for a key win
 * (a transient failure then a success advances the snapshot), and no statement touches a key
 * twice, which ON CONFLICT forbids.
 */
export function batchWrites(batch: CommittedBatch, maxErrorChars: number): BatchWrites {
  const log: LogRow[] = [];
  // One batch may hold a Bulk job's 100,000 entries: no object per change beyond the rows.
  const snapshot: Changes<SnapshotRow> = new Map();
  const failures: Changes<FailureRow> = new Map();
  const ledger: Changes<LedgerRow> = new Map();
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
        snapshot.set(entry.key, null);
        ledger.set(entry.key, null);
        failures.set(entry.key, null);
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
        snapshot.set(entry.key, { key: entry.key, hash: entry.hash, values, destinationId });
      }
      if (destinationId !== null) {
        const createdBy = outcome.status === 'created' ? batch.syncId : null;
        ledger.set(entry.key, { key: entry.key, destinationId, createdBy });
      }
      failures.set(entry.key, null);
    } else if (outcome.status === 'failed' && error && !error.transient) {
      failures.set(entry.key, {
        key: entry.key,
        hash: entry.hash ?? null,
        code: error.code,
        message: redact(error.message).slice(0, maxErrorChars),
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

function upserts<T>(changes: Changes<T>): T[] {
  const rows: T[] = [];
  for (const row of changes.values()) if (row !== null) rows.push(row);
  return rows;
}

function deletes<T>(changes: Changes<T>): string[] {
  const keys: string[] = [];
  for (const [key, row] of changes) if (row === null) keys.push(key);
  return keys;
}
