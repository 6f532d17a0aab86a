import type { WarehouseType } from '../warehouse/warehouse.js';

/** The few spellings that differ between the dialects dbt-spoke keeps state in. */
export interface StateDialect {
  type: WarehouseType;
  /** A text type wide enough for any value; Redshift's bare VARCHAR is 256 bytes. */
  text: string;
  /** The array type a text-array parameter binds as (none on Redshift). */
  textArray: string;
  /** The type of the state tables' timestamp columns. */
  timestamp: string;
  /** A timestamp as a parameter its columns read as the same UTC instant. */
  timestampParam(date: Date): string;
  /** Longest error text stored; Redshift's VARCHAR(65535) counts bytes. */
  maxErrorChars: number;
}

export function stateDialect(type: WarehouseType): StateDialect {
  switch (type) {
    case 'postgres':
      return {
        type,
        text: 'TEXT',
        textArray: 'TEXT[]',
        timestamp: 'TIMESTAMPTZ',
        timestampParam: (date) => date.toISOString(),
        maxErrorChars: 100_000,
      };
    case 'duckdb':
      return {
        type,
        text: 'VARCHAR',
        textArray: 'VARCHAR[]',
        timestamp: 'TIMESTAMP',
        timestampParam: utcWallClock,
        maxErrorChars: 100_000,
      };
    case 'redshift':
      return {
        type,
        text: 'VARCHAR(65535)',
        textArray: '',
        timestamp: 'TIMESTAMP',
        timestampParam: utcWallClock,
        maxErrorChars: 16_000,
      };
  }
}

/** `2024-05-01 12:00:00.000`: UTC without a zone, for TIMESTAMP columns that hold UTC. */
function utcWallClock(date: Date): string {
  return date.toISOString().replace('T', ' ').replace('Z', '');
}
