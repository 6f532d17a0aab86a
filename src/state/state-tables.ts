import { quoteIdentifier } from '../warehouse/quote.js';

/** Every state table and the columns dbt-spoke reads and writes in it, at the newest version. */
export const STATE_COLUMNS = {
  schema_migrations: ['version', 'name', 'applied_at'],
  runs: ['run_id', 'target', 'invocation_id', 'command', 'status', 'started_at', 'finished_at', 'error'],
  sync_runs: [
    'run_id',
    'sync_id',
    'status',
    'attempted',
    'created',
    'updated',
    'deleted',
    'failed',
    'invalid',
    'skipped',
    'unchanged',
    'still_failing',
    'error',
    'started_at',
    'finished_at',
  ],
  record_log: [
    'run_id',
    'sync_id',
    'record_key',
    'operation',
    'attempt',
    'status',
    'destination_id',
    'error_code',
    'error_message',
    'transient',
    'logged_at',
  ],
  snapshot: ['sync_id', 'record_key', 'row_hash', 'row_values', 'destination_id', 'synced_at'],
  failures: ['sync_id', 'record_key', 'row_hash', 'error_code', 'error_message', 'failed_at', 'run_id'],
  id_ledger: ['destination', 'object', 'record_key', 'destination_id', 'sync_id', 'updated_at', 'created_by'],
  locks: ['sync_id', 'run_id', 'owner', 'acquired_at', 'heartbeat_at'],
  in_flight: ['sync_id', 'record_key', 'operation', 'row_hash', 'run_id', 'sent_at'],
  alert_state: [
    'sync_id',
    'health',
    'since',
    'failing_runs',
    'healthy_runs',
    'last_run_id',
    'last_observed_at',
    'last_success_at',
    'last_message_id',
  ],
  alert_outbox: ['message_id', 'kind', 'run_id', 'created_at', 'payload'],
  alert_deliveries: [
    'message_id',
    'channel',
    'sync_ids',
    'status',
    'attempts',
    'next_attempt_at',
    'last_attempt_at',
    'delivered_at',
    'last_error',
  ],
  sync_queue: [
    'id',
    'invocation_id',
    'unique_id',
    'model',
    'status',
    'enqueued_at',
    'claimed_at',
    'claimed_by',
    'finished_at',
    'lease_expires_at',
    'attempts',
    'run_id',
    'error',
  ],
} as const;

export type StateTable = keyof typeof STATE_COLUMNS;

/** Names a state table in the configured schema, quoted. */
export function stateTables(schema: string): (table: StateTable) => string {
  const quotedSchema = quoteIdentifier(schema);
  return (table) => `${quotedSchema}.${quoteIdentifier(table)}`;
}
