import { quoteIdentifier } from '../warehouse/quote.js';

export type StateTable =
  | 'schema_migrations'
  | 'runs'
  | 'sync_runs'
  | 'record_log'
  | 'snapshot'
  | 'failures'
  | 'id_ledger'
  | 'locks';

/** Names a state table in the configured schema, quoted. */
export function stateTables(schema: string): (table: StateTable) => string {
  const quotedSchema = quoteIdentifier(schema);
  return (table) => `${quotedSchema}.${quoteIdentifier(table)}`;
}
