import type { SyncSpec } from '../config/types.js';
import type { OutboundRecord } from '../destinations/contract.js';
import type { Change } from '../state/state-store.js';
import type { Row } from '../warehouse/warehouse.js';

/** A row that is never sent: its key cannot identify one record. */
export interface InvalidRecord {
  key: string | null;
  code: 'KEY_NULL' | 'KEY_DUPLICATE';
  message: string;
}

export interface PlannedWrite {
  record: OutboundRecord;
  kind: 'new' | 'changed' | 'uncertain';
  /** Row hash from the warehouse, stored once the destination confirms the write. */
  hash: string;
  /** Every mapped value of the row: what the destination holds once the write is confirmed. */
  values: Record<string, unknown>;
  /** What the destination was last confirmed to hold (the snapshot's values), null when nothing. */
  confirmed: Record<string, unknown> | null;
}

export interface ChangePlan {
  writes: PlannedWrite[];
  invalid: InvalidRecord[];
}

/**
 * Turns the rows the warehouse found new or changed into destination records. Pure: the same
 * rows, snapshot and spec always give the same plan, so a preview and a run cannot disagree.
 * A changed row carries only the fields whose values differ from what the destination was last
 * confirmed to hold (fewer triggers fired, fewer human edits overwritten); a new one carries all.
 */
export function planChanges(
  spec: SyncSpec,
  changes: readonly Change[],
  options: { allFields?: boolean; ignoreKeyCase?: boolean } = {},
): ChangePlan {
  const writes: PlannedWrite[] = [];
  const invalid: InvalidRecord[] = [];
  for (const change of changes) {
    if (change.kind === 'null_key' || change.key === null) {
      invalid.push({
        key: null,
        code: 'KEY_NULL',
        message: `${spec.model}.${spec.key} is null or empty; every row needs a key. Add a not_null test on ${spec.key}.`,
      });
      continue;
    }
    if (change.kind === 'duplicate_key') {
      invalid.push({
        key: change.key,
        code: 'KEY_DUPLICATE',
        message: options.ignoreKeyCase
          ? `${spec.key} = ${change.key} names the same ${spec.object} as another row of ${spec.model} (${spec.destination} matches ${spec.match} without regard to case); none of them was sent. Make ${spec.key} unique whatever its case, e.g. lower-case it in the model.`
          : `${spec.key} = ${change.key} appears in more than one row of ${spec.model}; none of them was sent. Add a unique test on ${spec.key}.`,
      });
      continue;
    }
    const values = mappedValues(spec, change.row);
    // A full refresh resends whole records: the destination may have lost or changed them. So
    // does an uncertain one: which values it holds is what nobody knows.
    const previous = change.kind === 'changed' && !options.allFields ? change.previous?.values : undefined;
    const differs = (name: string) =>
      !previous || !(name in previous) || !sameValue(previous[name], values[name]);
    const send = (name: string) => differs(name) && !(values[name] === null && spec.onNull === 'skip');

    const fieldValues: Record<string, unknown> = {};
    for (const { field } of spec.fields) if (send(field)) fieldValues[field] = values[field];
    writes.push({
      kind: change.kind,
      hash: change.hash,
      values,
      confirmed: change.previous?.values ?? null,
      record: {
        key: change.key,
        values: fieldValues,
        ...(change.previous?.destinationId ? { destinationId: change.previous.destinationId } : {}),
        lookups: spec.lookups
          .filter((lookup) => differs(lookupName(lookup)))
          .map((lookup) => ({
            relationship: lookup.relationship,
            object: lookup.object,
            match: lookup.match,
            value: asKey(values[lookupName(lookup)]),
          })),
        associations: spec.associations
          .filter((association) => differs(associationName(association)))
          .map((association) => ({
            to: association.to,
            match: association.match,
            value: asKey(values[associationName(association)]),
            ...(association.typeId === undefined ? {} : { typeId: association.typeId }),
          })),
      },
    });
  }
  return { writes, invalid };
}

/**
 * Every mapped value of a row, keyed as the snapshot stores them: destination fields by name,
 * lookups as `lookup:<relationship>`, associations as `association:<to>.<match>`.
 */
export function mappedValues(spec: SyncSpec, row: Row): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const { column, field } of spec.fields) values[field] = row[column] ?? null;
  for (const lookup of spec.lookups) values[lookupName(lookup)] = row[lookup.column] ?? null;
  for (const association of spec.associations)
    values[associationName(association)] = row[association.column] ?? null;
  return values;
}

const lookupName = (lookup: SyncSpec['lookups'][number]) => `lookup:${lookup.relationship}`;
const associationName = (association: SyncSpec['associations'][number]) =>
  `association:${association.to}.${association.match}`;

function asKey(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  const key = String(value);
  return key.trim() === '' ? null : key;
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || a === undefined || b === undefined) return false;
  return String(a) === String(b);
}
