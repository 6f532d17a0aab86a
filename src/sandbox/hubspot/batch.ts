import { associate, dropAssociations } from './association-store.js';
import {
  batchResponse,
  type InputRef,
  notFoundError,
  optionalString,
  propertyError,
  readInputs,
  refuseDuplicateIds,
} from './batch-input.js';
import type { HandlerResult, HubspotContext } from './context.js';
import { errorBody, HubspotHttpError, type StandardError } from './errors.js';
import { defaultAssociationType, objectSingular } from './object-types.js';
import { ObjectTable, toPublicObject, writtenObject } from './records.js';
import { validateProperties } from './validate.js';

/** `POST /crm/v3/objects/{objectType}/batch/upsert`: create or update by a unique property. */
export function batchUpsert(ctx: HubspotContext, objectType: string, body: unknown): HandlerResult {
  const inputs = readInputs(body).map((input) => ({
    idProperty: optionalString(input.idProperty) ?? 'hs_object_id',
    id: optionalString(input.id) ?? '',
    objectWriteTraceId: optionalString(input.objectWriteTraceId),
    properties: input.properties,
  }));
  for (const input of inputs) ctx.registry.requireIdProperty(objectType, input.idProperty, ctx.portalId);
  refuseDuplicateIds(inputs.map((i) => (i.idProperty === 'email' ? i.id.toLowerCase() : i.id)));

  const table = new ObjectTable(ctx.store, ctx.registry, objectType);
  const results: unknown[] = [];
  const errors: StandardError[] = [];
  for (const input of inputs) {
    const ref = { id: input.id, objectWriteTraceId: input.objectWriteTraceId };
    const properties = {
      ...(input.properties as Record<string, unknown> | undefined),
      [input.idProperty]: input.id,
    };
    const { problems, values } = validateProperties(ctx.registry, objectType, properties);
    if (problems.length > 0) {
      errors.push(propertyError(problems, ref));
      continue;
    }
    const existing = table.find(input.idProperty, input.id);
    const conflicts = table.conflicts(values, existing?.id);
    if (conflicts.length > 0) {
      errors.push(propertyError(conflicts, ref));
      continue;
    }
    const record = existing ?? table.create(values);
    if (existing) table.update(existing, values);
    const written: Record<string, unknown> = writtenObject(objectType, record, values);
    written.new = !existing;
    if (input.objectWriteTraceId !== undefined) written.objectWriteTraceId = input.objectWriteTraceId;
    results.push(written);
  }
  return { status: errors.length > 0 ? 207 : 200, body: batchResponse(results, errors) };
}

interface PlannedCreate {
  ref: InputRef;
  values: Record<string, string>;
  associations: { toType: string; toId: string; typeId: number; category: string }[];
}

/**
 * `POST /crm/v3/objects/{objectType}/batch/create`. Multi-status only when the inputs carry
 * `objectWriteTraceId`s (as HubSpot); otherwise one bad input refuses the whole batch.
 */
export function batchCreate(ctx: HubspotContext, objectType: string, body: unknown): HandlerResult {
  const inputs = readInputs(body);
  const multiStatus = inputs.some((input) => optionalString(input.objectWriteTraceId) !== undefined);
  const table = new ObjectTable(ctx.store, ctx.registry, objectType);
  const planned: (PlannedCreate | StandardError)[] = [];
  const claimed = new Map<string, string>();
  for (const input of inputs) {
    const ref = { objectWriteTraceId: optionalString(input.objectWriteTraceId) };
    const { problems, values } = validateProperties(ctx.registry, objectType, input.properties);
    const associations = readInlineAssociations(ctx, objectType, input.associations, problems);
    if (problems.length === 0) problems.push(...table.conflicts(values));
    for (const [name, value] of Object.entries(values)) {
      if (value === '' || !ctx.registry.isUnique(objectType, name)) continue;
      const key = `${name}\u0000${name === 'email' ? value.toLowerCase() : value}`;
      if (claimed.has(key)) {
        problems.push({
          code: 'CONFLICT',
          message: `Duplicate ${name} "${value}" within the batch`,
          propertyName: name,
        });
      }
      claimed.set(key, value);
    }
    planned.push(problems.length > 0 ? propertyError(problems, ref) : { ref, values, associations });
  }
  const errors = planned.filter((p): p is StandardError => 'status' in p);
  const first = errors[0];
  if (!multiStatus && first) {
    const status = first.category === 'CONFLICT' ? 409 : 400;
    throw new HubspotHttpError(status, errorBody(first.category, first.message, { errors: first.errors }));
  }
  const results: unknown[] = [];
  for (const plan of planned) {
    if ('status' in plan) continue;
    const record = table.create(plan.values);
    for (const a of plan.associations) {
      associate(ctx.store, {
        fromObjectType: objectType,
        fromObjectId: record.id,
        toObjectType: a.toType,
        toObjectId: a.toId,
        associationTypeId: a.typeId,
        associationCategory: a.category,
      });
    }
    results.push({
      ...writtenObject(objectType, record, plan.values),
      ...(plan.ref.objectWriteTraceId !== undefined
        ? { objectWriteTraceId: plan.ref.objectWriteTraceId }
        : {}),
    });
  }
  return { status: errors.length > 0 ? 207 : 201, body: batchResponse(results, errors) };
}

function readInlineAssociations(
  ctx: HubspotContext,
  objectType: string,
  raw: unknown,
  problems: { code: string; message: string; propertyName: string }[],
): PlannedCreate['associations'] {
  if (!Array.isArray(raw)) return [];
  const out: PlannedCreate['associations'] = [];
  for (const a of raw as {
    to?: { id?: unknown };
    types?: { associationCategory?: string; associationTypeId?: number }[];
  }[]) {
    const toId = optionalString(a.to?.id) ?? '';
    for (const type of a.types ?? []) {
      const toType = ctx.registry
        .objectTypes()
        .find((t) => defaultAssociationType(objectType, t) === type.associationTypeId);
      if (!toType || !new ObjectTable(ctx.store, ctx.registry, toType).get(toId)) {
        problems.push({
          code: 'INVALID_ASSOCIATION',
          message: `Association type ${type.associationTypeId} to object ${toId} is not valid`,
          propertyName: 'associations',
        });
        continue;
      }
      out.push({
        toType,
        toId,
        typeId: Number(type.associationTypeId),
        category: type.associationCategory ?? 'HUBSPOT_DEFINED',
      });
    }
  }
  return out;
}

/** `POST /crm/v3/objects/{objectType}/batch/update`: by record id, or by a unique `idProperty`. */
export function batchUpdate(ctx: HubspotContext, objectType: string, body: unknown): HandlerResult {
  const inputs = readInputs(body).map((input) => ({
    idProperty: optionalString(input.idProperty),
    id: optionalString(input.id) ?? '',
    objectWriteTraceId: optionalString(input.objectWriteTraceId),
    properties: input.properties,
  }));
  for (const input of inputs) {
    if (input.idProperty !== undefined)
      ctx.registry.requireIdProperty(objectType, input.idProperty, ctx.portalId);
  }
  refuseDuplicateIds(inputs.map((i) => `${i.idProperty ?? ''}:${i.id}`));
  const table = new ObjectTable(ctx.store, ctx.registry, objectType);
  const results: unknown[] = [];
  const errors: StandardError[] = [];
  for (const input of inputs) {
    const ref = { id: input.id, objectWriteTraceId: input.objectWriteTraceId };
    const record = table.find(input.idProperty, input.id);
    if (!record) {
      errors.push(
        notFoundError(
          objectSingular(objectType),
          [input.id],
          ref.objectWriteTraceId ? [ref.objectWriteTraceId] : [],
        ),
      );
      continue;
    }
    const { problems, values } = validateProperties(ctx.registry, objectType, input.properties);
    if (problems.length === 0) problems.push(...table.conflicts(values, record.id));
    if (problems.length > 0) {
      errors.push(propertyError(problems, ref));
      continue;
    }
    table.update(record, values);
    results.push({
      ...writtenObject(objectType, record, values),
      ...(input.objectWriteTraceId !== undefined ? { objectWriteTraceId: input.objectWriteTraceId } : {}),
    });
  }
  return { status: errors.length > 0 ? 207 : 200, body: batchResponse(results, errors) };
}

/** `POST /crm/v3/objects/{objectType}/batch/read`: unknown ids give 207 with OBJECT_NOT_FOUND. */
export function batchRead(
  ctx: HubspotContext,
  objectType: string,
  body: unknown,
  archived: boolean,
): HandlerResult {
  const request = (body ?? {}) as { idProperty?: unknown; properties?: unknown };
  const idProperty = optionalString(request.idProperty);
  if (idProperty !== undefined) ctx.registry.requireIdProperty(objectType, idProperty, ctx.portalId);
  const ids = readInputs(body).map((input) => optionalString(input.id) ?? '');
  const properties = Array.isArray(request.properties) ? request.properties.map(String) : [];
  const table = new ObjectTable(ctx.store, ctx.registry, objectType);
  const results: unknown[] = [];
  const seen = new Set<string>();
  const missing: string[] = [];
  for (const id of ids) {
    const record = table.find(idProperty, id, archived);
    if (!record) missing.push(id);
    else if (!seen.has(record.id)) {
      seen.add(record.id);
      results.push(toPublicObject(objectType, record, properties));
    }
  }
  const errors = missing.length > 0 ? [notFoundError(objectSingular(objectType), missing)] : [];
  return { status: errors.length > 0 ? 207 : 200, body: batchResponse(results, errors) };
}

/** `POST /crm/v3/objects/{objectType}/batch/archive`: 204; unknown ids are ignored. */
export function batchArchive(ctx: HubspotContext, objectType: string, body: unknown): HandlerResult {
  const ids = readInputs(body).map((input) => optionalString(input.id) ?? '');
  const table = new ObjectTable(ctx.store, ctx.registry, objectType);
  for (const id of ids) {
    const record = table.get(id);
    if (!record) continue;
    table.archive(record);
    dropAssociations(ctx.store, objectType, record.id);
  }
  return { status: 204 };
}

/** `GET /crm/v3/objects/{objectType}/{id}` (+ `idProperty`, `properties`, `archived`). */
export function readOne(
  ctx: HubspotContext,
  objectType: string,
  id: string,
  query: { idProperty?: string; properties?: string | string[]; archived?: string },
): HandlerResult {
  if (query.idProperty !== undefined)
    ctx.registry.requireIdProperty(objectType, query.idProperty, ctx.portalId);
  const table = new ObjectTable(ctx.store, ctx.registry, objectType);
  const record = table.find(query.idProperty, id, query.archived === 'true');
  if (!record) {
    throw new HubspotHttpError(
      404,
      errorBody('OBJECT_NOT_FOUND', 'Object not found.  objectId are usually numeric.'),
    );
  }
  const properties = [query.properties ?? []]
    .flat()
    .flatMap((p) => p.split(','))
    .filter(Boolean);
  return { status: 200, body: toPublicObject(objectType, record, properties) };
}
