import { associate, associationsOf } from './association-store.js';
import { batchResponse, optionalString, readInputs } from './batch-input.js';
import type { HandlerResult, HubspotContext } from './context.js';
import { type StandardError, validationError } from './errors.js';
import { defaultAssociationType, objectSingular, objectTypeId } from './object-types.js';
import { ObjectTable } from './records.js';

interface Pair {
  fromId: string;
  toId: string;
}

/** Both ends must exist; the error names them in `context` so callers can attribute it. */
function checkPair(ctx: HubspotContext, from: string, to: string, pair: Pair): StandardError | undefined {
  const fromExists = new ObjectTable(ctx.store, ctx.registry, from).get(pair.fromId);
  const toExists = new ObjectTable(ctx.store, ctx.registry, to).get(pair.toId);
  if (fromExists && toExists) return undefined;
  const [type, id] = fromExists ? [to, pair.toId] : [from, pair.fromId];
  return {
    status: 'error',
    category: 'VALIDATION_ERROR',
    message: `No ${objectSingular(type).toLowerCase()} with ID ${id} exists`,
    context: { fromObjectId: [pair.fromId], toObjectId: [pair.toId] },
    errors: [],
    links: {},
  };
}

function readPairs(
  body: unknown,
): (Pair & { types: { associationCategory?: string; associationTypeId?: number }[] })[] {
  return readInputs(body).map((input) => ({
    fromId: optionalString((input.from as { id?: unknown } | undefined)?.id) ?? '',
    toId: optionalString((input.to as { id?: unknown } | undefined)?.id) ?? '',
    types: Array.isArray(input.types) ? input.types : [],
  }));
}

/** `POST /crm/v4/associations/{from}/{to}/batch/create` with explicit types: 201, or 207 with errors. */
export function createAssociations(
  ctx: HubspotContext,
  from: string,
  to: string,
  body: unknown,
): HandlerResult {
  const results: unknown[] = [];
  const errors: StandardError[] = [];
  for (const input of readPairs(body)) {
    if (input.types.length === 0)
      throw validationError('Each input needs at least one association type in "types".');
    const problem = checkPair(ctx, from, to, input);
    if (problem) {
      errors.push(problem);
      continue;
    }
    for (const type of input.types) {
      associate(ctx.store, {
        fromObjectType: from,
        fromObjectId: input.fromId,
        toObjectType: to,
        toObjectId: input.toId,
        associationTypeId: Number(type.associationTypeId),
        associationCategory: type.associationCategory ?? 'HUBSPOT_DEFINED',
      });
    }
    results.push({
      fromObjectTypeId: objectTypeId(from),
      fromObjectId: input.fromId,
      toObjectTypeId: objectTypeId(to),
      toObjectId: input.toId,
      labels: [],
    });
  }
  return { status: errors.length > 0 ? 207 : 201, body: batchResponse(results, errors) };
}

/** `POST /crm/v4/associations/{from}/{to}/batch/associate/default`: always 200, errors inline. */
export function createDefaultAssociations(
  ctx: HubspotContext,
  from: string,
  to: string,
  body: unknown,
): HandlerResult {
  const typeId = defaultAssociationType(from, to);
  if (typeId === undefined) {
    throw validationError(`There is no default association type from ${from} to ${to}.`);
  }
  const results: unknown[] = [];
  const errors: StandardError[] = [];
  for (const input of readPairs(body)) {
    const problem = checkPair(ctx, from, to, input);
    if (problem) {
      errors.push(problem);
      continue;
    }
    const spec = { associationCategory: 'HUBSPOT_DEFINED', associationTypeId: typeId };
    associate(ctx.store, {
      fromObjectType: from,
      fromObjectId: input.fromId,
      toObjectType: to,
      toObjectId: input.toId,
      ...spec,
    });
    results.push({ from: { id: input.fromId }, to: { id: input.toId }, associationSpec: spec });
  }
  return { status: 200, body: batchResponse(results, errors) };
}

/** `GET /crm/v4/objects/{from}/{id}/associations/{to}`: the associated ids with their types. */
export function listAssociations(
  ctx: HubspotContext,
  from: string,
  id: string,
  to: string,
  query: { limit?: string; after?: string },
): HandlerResult {
  const byTarget = new Map<string, { category: string; typeId: number }[]>();
  for (const a of associationsOf(ctx.store, from, id, to)) {
    const types = byTarget.get(a.toObjectId) ?? [];
    types.push({ category: a.associationCategory, typeId: a.associationTypeId });
    byTarget.set(a.toObjectId, types);
  }
  const all = [...byTarget].sort(([a], [b]) => Number(a) - Number(b));
  const limit = Math.min(Number(query.limit ?? 500) || 500, 500);
  const after = Number(query.after ?? 0) || 0;
  const page = all.slice(after, after + limit);
  return {
    status: 200,
    body: {
      results: page.map(([toObjectId, associationTypes]) => ({ toObjectId, associationTypes })),
      ...(after + limit < all.length ? { paging: { next: { after: String(after + limit) } } } : {}),
    },
  };
}
