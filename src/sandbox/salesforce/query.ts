import type { FastifyInstance } from 'fastify';
import type { StoredRecord } from '../store.js';
import { type SalesforceContext, versionPath } from './context.js';
import type { DmlContext } from './dml.js';
import { SalesforceHttpError } from './errors.js';
import { formatId } from './ids.js';
import { parseSoql, type SoqlQuery, type SoqlValue } from './soql.js';
import type { SalesforceField, SalesforceObject } from './types.js';

const PAGE_SIZE = 2000;
const MAX_OPEN_CURSORS = 50;

type Row = Record<string, unknown>;

interface Column {
  name: string;
  field: SalesforceField;
  /** Set for `Relationship.Field` columns: the reference field and the parent object. */
  via?: { reference: SalesforceField; parent: SalesforceObject };
}

function positioned(soql: string, at: number, code: string, message: string): SalesforceHttpError {
  return new SalesforceHttpError(
    400,
    code,
    `\n${soql}\n${' '.repeat(at)}^\nERROR at Row:1:Column:${at + 1}\n${message}`,
  );
}

function noSuchColumn(soql: string, at: number, name: string, object: string): SalesforceHttpError {
  return positioned(
    soql,
    at,
    'INVALID_FIELD',
    `No such column '${name}' on entity '${object}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`,
  );
}

function resolveColumn(
  ctx: SalesforceContext,
  soql: string,
  object: SalesforceObject,
  name: string,
  at: number,
): Column {
  const [first, second] = name.split('.') as [string, string | undefined];
  if (second === undefined) {
    const field = ctx.registry.field(object, first);
    if (!field) throw noSuchColumn(soql, at, name, object.name);
    return { name: field.name, field };
  }
  const reference = ctx.registry.relationship(object, first);
  const parent = reference && ctx.registry.get(reference.referenceTo[0] ?? '');
  const field = parent && ctx.registry.field(parent, second);
  if (!reference || !parent || !field) throw noSuchColumn(soql, at, name, object.name);
  return { name: `${reference.relationshipName}.${field.name}`, field, via: { reference, parent } };
}

function compare(a: unknown, b: SoqlValue): boolean {
  if (a === undefined || a === null) return b === null;
  if (typeof a === 'string' && typeof b === 'string') return a.toLowerCase() === b.toLowerCase();
  return a === b || String(a) === String(b);
}

function sortValue(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return -1;
  if (b === null || b === undefined) return 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a).localeCompare(String(b));
}

function columnValue(dml: DmlContext, record: StoredRecord, column: Column): unknown {
  if (!column.via) return column.field.name === 'Id' ? record.id : record.fields[column.field.name];
  const parentId = record.fields[column.via.reference.name];
  const parent = typeof parentId === 'string' ? dml.get(column.via.parent, parentId) : undefined;
  if (!parent) return undefined;
  return column.field.name === 'Id' ? parent.id : parent.fields[column.field.name];
}

function execute(ctx: SalesforceContext, soql: string, base: string): Row[] {
  const query: SoqlQuery = parseSoql(soql);
  const object = ctx.registry.get(query.object);
  if (!object) {
    throw positioned(
      soql,
      query.objectAt,
      'INVALID_TYPE',
      `sObject type '${query.object}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.`,
    );
  }
  const columns = query.fields.map((f) => resolveColumn(ctx, soql, object, f.name, f.at));
  const filters = query.where.map((c) => ({ ...c, column: resolveColumn(ctx, soql, object, c.field, c.at) }));
  const order = query.orderBy && resolveColumn(ctx, soql, object, query.orderBy.field, query.orderBy.at);
  const dml = ctx.dml();
  let records = ctx.store.records('salesforce', object.name).filter((record) =>
    filters.every((f) => {
      const value = columnValue(dml, record, f.column);
      const hit = f.values.some((v) => compare(value, v));
      return f.operator === '=' || f.operator === 'IN' ? hit : !hit;
    }),
  );
  if (order) {
    const sign = query.orderBy?.descending ? -1 : 1;
    records = records.sort(
      (a, b) => sign * sortValue(columnValue(dml, a, order), columnValue(dml, b, order)),
    );
  }
  if (query.limit !== undefined) records = records.slice(0, query.limit);
  return records.map((record) => {
    const row: Row = {
      attributes: { type: object.name, url: `${base}/sobjects/${object.name}/${record.id}` },
    };
    for (const column of columns) {
      const value = columnValue(dml, record, column);
      if (!column.via) {
        row[column.name] = value ?? null;
        continue;
      }
      const relationship = column.via.reference.relationshipName as string;
      const parentId = record.fields[column.via.reference.name];
      if (typeof parentId !== 'string') {
        row[relationship] = null;
        continue;
      }
      const nested = (row[relationship] as Row | undefined) ?? {
        attributes: {
          type: column.via.parent.name,
          url: `${base}/sobjects/${column.via.parent.name}/${parentId}`,
        },
      };
      nested[column.field.name] = value ?? null;
      row[relationship] = nested;
    }
    return row;
  });
}

/** SOQL query and queryMore, with 2000-row pages and opaque locators as the last URL segment. */
export function registerQuery(app: FastifyInstance, ctx: SalesforceContext): void {
  const cursors = new Map<string, Row[]>();
  let cursorSequence = 0;

  const page = (rows: Row[], offset: number, base: string, cursor?: string) => {
    const end = offset + PAGE_SIZE;
    const done = end >= rows.length;
    let id = cursor;
    if (!done && !id) {
      id = formatId('01g', ++cursorSequence);
      cursors.set(id, rows);
      if (cursors.size > MAX_OPEN_CURSORS) cursors.delete(cursors.keys().next().value as string);
    }
    if (done && id) cursors.delete(id);
    return {
      totalSize: rows.length,
      done,
      ...(done ? {} : { nextRecordsUrl: `${base}/query/${id}-${end}` }),
      records: rows.slice(offset, end),
    };
  };

  const run = async (request: { url: string; query: { q?: string } }, base: string) => {
    const soql = request.query.q;
    if (!soql) throw new SalesforceHttpError(400, 'MALFORMED_QUERY', 'A query string has to be specified');
    return page(execute(ctx, soql, base), 0, base);
  };

  app.get<{ Querystring: { q?: string } }>('/services/data/:version/query', async (request) =>
    run(request, versionPath(request)),
  );
  app.get<{ Querystring: { q?: string } }>('/services/data/:version/queryAll', async (request) =>
    run(request, versionPath(request)),
  );

  app.get<{ Params: { locator: string } }>('/services/data/:version/query/:locator', async (request) => {
    const match = /^(.+)-(\d+)$/.exec(request.params.locator);
    const rows = match?.[1] ? cursors.get(match[1]) : undefined;
    if (!match?.[1] || !rows)
      throw new SalesforceHttpError(400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
    return page(rows, Number(match[2]), versionPath(request), match[1]);
  });
}
