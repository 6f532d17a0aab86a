import type { SqlRunner, SqlSession } from '../warehouse/sql-session.js';
import type { Row } from '../warehouse/warehouse.js';
import { text } from './row-values.js';
import type { StateDialect } from './state-dialect.js';
import type { AlertStateRow, AlertWrites, DeliveryResult, PendingDelivery } from './state-store.js';
import type { StateTable } from './state-tables.js';

type Table = (name: StateTable) => string;

function list(values: readonly unknown[], offset = 0): string {
  return values.map((_, i) => `$${offset + i + 1}`).join(', ');
}

/** Writes a run's alert changes inside the caller's transaction (the run's end). */
export async function writeAlerts(tx: SqlRunner, dialect: StateDialect, table: Table, writes: AlertWrites) {
  const time = (date: Date | null) => (date ? dialect.timestampParam(date) : null);
  if (writes.states.length > 0) {
    const ids = writes.states.map((state) => state.syncId);
    await tx.query(`DELETE FROM ${table('alert_state')} WHERE sync_id IN (${list(ids)})`, ids);
    for (const state of writes.states) {
      await tx.query(
        `INSERT INTO ${table('alert_state')} (sync_id, health, since, failing_runs, healthy_runs, last_run_id, last_observed_at, last_success_at, last_message_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [
          state.syncId,
          state.health,
          time(state.since),
          state.failingRuns,
          state.healthyRuns,
          state.lastRunId,
          time(state.lastObservedAt),
          time(state.lastSuccessAt),
          state.lastMessageId,
        ],
      );
    }
  }
  for (const message of writes.messages) {
    await tx.query(
      `INSERT INTO ${table('alert_outbox')} (message_id, kind, run_id, created_at, payload) VALUES ($1, $2, $3, $4, $5)`,
      [message.messageId, message.kind, message.runId, time(message.createdAt), message.payload],
    );
    for (const delivery of message.deliveries) {
      await tx.query(
        `INSERT INTO ${table('alert_deliveries')} (message_id, channel, sync_ids, status, attempts, next_attempt_at)
         VALUES ($1, $2, $3, 'pending', 0, $4)`,
        [message.messageId, delivery.channel, JSON.stringify(delivery.syncIds), time(message.createdAt)],
      );
    }
  }
}

export async function readAlertStates(
  session: SqlSession,
  table: Table,
  syncIds?: readonly string[],
): Promise<AlertStateRow[]> {
  if (syncIds && syncIds.length === 0) return [];
  const where = syncIds ? `WHERE sync_id IN (${list(syncIds)})` : '';
  const rows = await session.query(`SELECT * FROM ${table('alert_state')} ${where} ORDER BY sync_id`, [
    ...(syncIds ?? []),
  ]);
  return rows.map((row) => ({
    syncId: String(row.sync_id),
    health: row.health === 'failing' ? 'failing' : 'healthy',
    since: date(row.since) as Date,
    failingRuns: Number(row.failing_runs ?? 0),
    healthyRuns: Number(row.healthy_runs ?? 0),
    lastRunId: text(row.last_run_id),
    lastObservedAt: date(row.last_observed_at) as Date,
    lastSuccessAt: date(row.last_success_at),
    lastMessageId: text(row.last_message_id),
  }));
}

export async function readPendingDeliveries(
  session: SqlSession,
  dialect: StateDialect,
  table: Table,
  dueBy?: Date,
): Promise<PendingDelivery[]> {
  const due = dueBy ? 'AND d.next_attempt_at <= $1' : '';
  const rows = await session.query(
    `SELECT d.message_id, d.channel, d.sync_ids, d.attempts, d.next_attempt_at, d.last_error, o.kind, o.payload
       FROM ${table('alert_deliveries')} d JOIN ${table('alert_outbox')} o ON o.message_id = d.message_id
      WHERE d.status = 'pending' ${due}
      ORDER BY o.created_at, d.message_id, d.channel`,
    dueBy ? [dialect.timestampParam(dueBy)] : [],
  );
  return rows.map((row) => ({
    messageId: String(row.message_id),
    kind: String(row.kind),
    channel: String(row.channel),
    syncIds: JSON.parse(String(row.sync_ids)) as string[],
    payload: String(row.payload),
    attempts: Number(row.attempts ?? 0),
    nextAttemptAt: date(row.next_attempt_at) as Date,
    lastError: text(row.last_error),
  }));
}

export async function writeDelivery(
  session: SqlSession,
  dialect: StateDialect,
  table: Table,
  result: DeliveryResult,
  maxErrorChars: number,
): Promise<void> {
  const at = dialect.timestampParam(result.attemptedAt);
  if (result.delivered) {
    await session.query(
      `UPDATE ${table('alert_deliveries')} SET status = 'delivered', attempts = attempts + 1, last_attempt_at = $3, delivered_at = $3, last_error = NULL
        WHERE message_id = $1 AND channel = $2`,
      [result.messageId, result.channel, at],
    );
    return;
  }
  await session.query(
    `UPDATE ${table('alert_deliveries')} SET attempts = attempts + 1, last_attempt_at = $3, next_attempt_at = $4, last_error = $5
      WHERE message_id = $1 AND channel = $2`,
    [
      result.messageId,
      result.channel,
      at,
      dialect.timestampParam(result.nextAttemptAt ?? result.attemptedAt),
      (result.error ?? '').slice(0, maxErrorChars),
    ],
  );
}

/** Timestamps come back as ISO text (PostgreSQL) or UTC wall-clock text (DuckDB, Redshift). */
function date(value: Row[string] | undefined): Date | null {
  if (value === null || value === undefined) return null;
  const textValue = String(value);
  return new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(textValue) ? textValue : `${textValue.replace(' ', 'T')}Z`);
}
