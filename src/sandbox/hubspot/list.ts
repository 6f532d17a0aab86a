import type { HandlerResult, HubspotContext } from './context.js';
import { ObjectTable, toPublicObject } from './records.js';

const MAX_LIMIT = 100;

/** `GET /crm/v3/objects/{objectType}`: live records in id order, paged by the last id seen (`after`). */
export function listObjects(
  ctx: HubspotContext,
  objectType: string,
  query: { limit?: string; after?: string; properties?: string | string[] },
): HandlerResult {
  const limit = Math.min(Math.max(Number(query.limit ?? 10) || 10, 1), MAX_LIMIT);
  const after = Number(query.after ?? 0) || 0;
  const properties =
    typeof query.properties === 'string' ? query.properties.split(',') : (query.properties ?? []);
  const records = new ObjectTable(ctx.store, ctx.registry, objectType)
    .all()
    .filter((record) => Number(record.id) > after)
    .sort((a, b) => Number(a.id) - Number(b.id));
  const page = records.slice(0, limit);
  const last = page.at(-1);
  return {
    status: 200,
    body: {
      results: page.map((record) => toPublicObject(objectType, record, properties)),
      ...(records.length > limit && last ? { paging: { next: { after: last.id } } } : {}),
    },
  };
}
