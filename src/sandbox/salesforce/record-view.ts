import type { StoredRecord } from '../store.js';
import type { SalesforceObject } from './types.js';

/** A stored record as the REST API shows it: `attributes`, then the requested fields (null when unset). */
export function recordView(
  base: string,
  object: SalesforceObject,
  record: StoredRecord,
  fields: string[] = object.fields.map((f) => f.name),
): Record<string, unknown> {
  const view: Record<string, unknown> = {
    attributes: { type: object.name, url: `${base}/sobjects/${object.name}/${record.id}` },
  };
  for (const name of fields) view[name] = name === 'Id' ? record.id : (record.fields[name] ?? null);
  return view;
}
