import type { StateTable } from '../state-tables.js';

/** One versioned step of the state schema; `statements` gets a function naming a state table. */
export interface Migration {
  version: number;
  name: string;
  statements(table: (name: StateTable) => string): string[];
}
