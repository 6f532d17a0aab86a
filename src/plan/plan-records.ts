import type { SyncSpec } from '../config/types.js';
import type { OutboundRecord } from '../destinations/contract.js';
import type { Row } from '../warehouse/warehouse.js';

/** A row that is never sent: its key cannot identify one record. */
export interface InvalidRecord {
  key: string | null;
  code: 'KEY_NULL' | 'KEY_DUPLICATE';
  message: string;
}

export interface RecordPlan {
  records: OutboundRecord[];
  invalid: InvalidRecord[];
}

/**
 * Turns model rows into destination records. Pure: the same rows and spec always give the same
 * plan, so `--dry-run` and a real run cannot disagree about what is sent.
 */
export function planRecords(
  spec: SyncSpec,
  rows: readonly Row[],
  duplicateKeys: ReadonlySet<string>,
): RecordPlan {
  const records: OutboundRecord[] = [];
  const invalid: InvalidRecord[] = [];
  for (const row of rows) {
    const key = keyOf(row[spec.key]);
    if (key === null) {
      invalid.push({
        key: null,
        code: 'KEY_NULL',
        message: `${spec.model}.${spec.key} is null or empty; every row needs a key. Add a not_null test on ${spec.key}.`,
      });
      continue;
    }
    if (duplicateKeys.has(key)) {
      invalid.push({
        key,
        code: 'KEY_DUPLICATE',
        message: `${spec.key} = ${key} appears in more than one row of ${spec.model}; none of them was sent. Add a unique test on ${spec.key}.`,
      });
      continue;
    }
    const values: Record<string, unknown> = {};
    for (const { column, field } of spec.fields) {
      const value = row[column] ?? null;
      // on_null: skip leaves the destination's value alone instead of clearing it.
      if (value === null && spec.onNull === 'skip') continue;
      values[field] = value;
    }
    records.push({
      key,
      values,
      lookups: spec.lookups.map((lookup) => ({
        relationship: lookup.relationship,
        object: lookup.object,
        match: lookup.match,
        value: keyOf(row[lookup.column]),
      })),
      associations: spec.associations.map((association) => ({
        to: association.to,
        match: association.match,
        value: keyOf(row[association.column]),
        ...(association.typeId === undefined ? {} : { typeId: association.typeId }),
      })),
    });
  }
  return { records, invalid };
}

export function keyOf(value: Row[string] | undefined): string | null {
  if (value === null || value === undefined) return null;
  const key = String(value);
  return key.trim() === '' ? null : key;
}
