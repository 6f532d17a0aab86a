import type { SqlRunner, SqlSession } from '../warehouse/sql-session.js';
import { stateTables } from './state-tables.js';

/** One model a dbt invocation queued through `spoke.enqueue(results)`. */
export interface QueueEntry {
  id: string;
  invocationId: string;
  uniqueId: string;
  model: string;
  /** Times a worker claimed it, this claim included. */
  attempts: number;
}

/** The entries of one dbt invocation a worker now holds, until `leaseMs` passes without a renewal. */
export interface ClaimedInvocation {
  invocationId: string;
  entries: QueueEntry[];
}

export interface QueueOutcome {
  status: 'done' | 'failed';
  runId: string | null;
  error: string | null;
}

/**
 * The queue table dbt's on-run-end macro fills. A worker claims every claimable entry of the
 * oldest invocation at once (so one run syncs exactly what that dbt invocation built), holds a
 * lease it renews while the run goes on, and marks the entries finished when the run ended. An
 * entry whose lease expired belongs to a dead worker and is claimable again. On PostgreSQL the
 * claim locks rows with `FOR UPDATE SKIP LOCKED`, so workers in several processes never claim
 * the same entry; DuckDB admits one process, so there the claim needs no row locks.
 */
export class SyncQueue {
  private readonly table: string;

  constructor(
    private readonly session: SqlSession,
    schema: string,
    /** Claims after which an entry whose workers kept dying is given up as failed. */
    private readonly maxAttempts = 3,
  ) {
    this.table = stateTables(schema)('sync_queue');
  }

  async claim(worker: string, leaseMs: number, now = new Date()): Promise<ClaimedInvocation | null> {
    const skipLocked = this.session.dialect === 'postgres' ? ' FOR UPDATE SKIP LOCKED' : '';
    return this.session.transaction(async (tx) => {
      // Every claimable entry not locked by another worker's claim: an invocation's entries are
      // committed together by the macro, so a concurrent claim sees all of them or none.
      const rows = await tx.query(
        `SELECT id, invocation_id, unique_id, model, COALESCE(attempts, 0) AS attempts FROM ${this.table}
         WHERE status = 'queued' OR (status = 'claimed' AND lease_expires_at < CAST($1 AS TIMESTAMP WITH TIME ZONE))
         ORDER BY enqueued_at, id LIMIT 1000${skipLocked}`,
        [now.toISOString()],
      );
      const first = rows[0];
      if (!first) return null;
      const invocationId = String(first.invocation_id);
      const mine = rows.filter((row) => String(row.invocation_id) === invocationId);
      const exhausted = mine.filter((row) => Number(row.attempts) >= this.maxAttempts);
      if (exhausted.length > 0) {
        await this.mark(
          tx,
          exhausted.map((row) => String(row.id)),
          now,
          {
            status: 'failed',
            runId: null,
            error: `claimed ${this.maxAttempts} times by workers that stopped before its run ended; not tried again`,
          },
        );
      }
      const entries = mine
        .filter((row) => Number(row.attempts) < this.maxAttempts)
        .map((row) => ({
          id: String(row.id),
          invocationId,
          uniqueId: String(row.unique_id),
          model: String(row.model),
          attempts: Number(row.attempts) + 1,
        }));
      if (entries.length === 0) return null;
      const ids = entries.map((entry) => entry.id);
      await tx.query(
        `UPDATE ${this.table} SET status = 'claimed', claimed_at = CAST($1 AS TIMESTAMP WITH TIME ZONE), claimed_by = $2,
           lease_expires_at = CAST($3 AS TIMESTAMP WITH TIME ZONE), attempts = COALESCE(attempts, 0) + 1, error = NULL
         WHERE id IN (${placeholders(ids, 3)})`,
        [now.toISOString(), worker, new Date(now.getTime() + leaseMs).toISOString(), ...ids],
      );
      return { invocationId, entries };
    });
  }

  /**
   * Ends the leases of entries held by workers `isDead` says died, so the next claim takes them
   * now rather than when their lease runs out. Returns the workers whose entries were freed.
   */
  async expireLeasesOfDead(isDead: (worker: string) => boolean, now = new Date()): Promise<string[]> {
    const holders = await this.session.query(
      `SELECT DISTINCT claimed_by FROM ${this.table}
       WHERE status = 'claimed' AND lease_expires_at >= CAST($1 AS TIMESTAMP WITH TIME ZONE)`,
      [now.toISOString()],
    );
    const dead = holders.map((row) => String(row.claimed_by)).filter(isDead);
    if (dead.length === 0) return [];
    await this.session.query(
      `UPDATE ${this.table} SET lease_expires_at = CAST($1 AS TIMESTAMP WITH TIME ZONE)
       WHERE status = 'claimed' AND claimed_by IN (${placeholders(dead, 1)})`,
      [new Date(now.getTime() - 1).toISOString(), ...dead],
    );
    return dead;
  }

  /** Extends the lease of entries this worker still holds; false when another worker took them over. */
  async renew(worker: string, ids: readonly string[], leaseMs: number): Promise<boolean> {
    const rows = await this.session.query(
      `UPDATE ${this.table} SET lease_expires_at = CAST($1 AS TIMESTAMP WITH TIME ZONE)
       WHERE status = 'claimed' AND claimed_by = $2 AND id IN (${placeholders(ids, 2)}) RETURNING id`,
      [new Date(Date.now() + leaseMs).toISOString(), worker, ...ids],
    );
    return rows.length === ids.length;
  }

  /** The run of these entries ended: they are finished, unless another worker took them over meanwhile. */
  async finish(worker: string, ids: readonly string[], outcome: QueueOutcome): Promise<void> {
    await this.session.transaction(async (tx) => {
      const held = await tx.query(
        `SELECT id FROM ${this.table} WHERE status = 'claimed' AND claimed_by = $1 AND id IN (${placeholders(ids, 1)})`,
        [worker, ...ids],
      );
      await this.mark(
        tx,
        held.map((row) => String(row.id)),
        new Date(),
        outcome,
      );
    });
  }

  /** Gives entries back unsynced (the worker stops before their run started). */
  async release(worker: string, ids: readonly string[]): Promise<void> {
    await this.session.query(
      `UPDATE ${this.table} SET status = 'queued', claimed_at = NULL, claimed_by = NULL, lease_expires_at = NULL,
         attempts = COALESCE(attempts, 1) - 1
       WHERE status = 'claimed' AND claimed_by = $1 AND id IN (${placeholders(ids, 1)})`,
      [worker, ...ids],
    );
  }

  /** Entries waiting for a worker: queued, or claimed by a worker whose lease expired. */
  async depth(now = new Date()): Promise<number> {
    const rows = await this.session.query(
      `SELECT COUNT(*) AS n FROM ${this.table}
       WHERE status = 'queued' OR (status = 'claimed' AND lease_expires_at < CAST($1 AS TIMESTAMP WITH TIME ZONE))`,
      [now.toISOString()],
    );
    return Number(rows[0]?.n ?? 0);
  }

  private async mark(tx: SqlRunner, ids: string[], at: Date, outcome: QueueOutcome): Promise<void> {
    if (ids.length === 0) return;
    await tx.query(
      `UPDATE ${this.table} SET status = $1, finished_at = CAST($2 AS TIMESTAMP WITH TIME ZONE), lease_expires_at = NULL,
         run_id = $3, error = $4
       WHERE id IN (${placeholders(ids, 4)})`,
      [outcome.status, at.toISOString(), outcome.runId, outcome.error, ...ids],
    );
  }
}

function placeholders(values: readonly unknown[], offset: number): string {
  return values.map((_, i) => `$${offset + i + 1}`).join(', ');
}
