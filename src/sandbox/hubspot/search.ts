import type { StoredRecord } from '../store.js';
import type { HandlerResult, HubspotContext } from './context.js';
import { validationError } from './errors.js';
import { ObjectTable, toPublicObject } from './records.js';

interface Filter {
  propertyName?: string;
  operator?: string;
  value?: unknown;
  values?: unknown[];
  highValue?: unknown;
}

interface SearchRequest {
  filterGroups?: { filters?: Filter[] }[];
  sorts?: (string | { propertyName?: string; direction?: string })[];
  properties?: string[];
  limit?: number;
  after?: string | number;
  query?: string;
}

const MAX_RESULTS = 10_000;
const MAX_LIMIT = 200;

/** `POST /crm/v3/objects/{objectType}/search`: groups OR-ed, filters within a group AND-ed. */
export function search(ctx: HubspotContext, objectType: string, body: unknown): HandlerResult {
  const request = (body ?? {}) as SearchRequest;
  const groups = request.filterGroups ?? [];
  if (groups.length > 5 || groups.reduce((n, g) => n + (g.filters?.length ?? 0), 0) > 25) {
    throw validationError('Too many filters: at most 5 filterGroups and 25 filters in total are allowed.');
  }
  for (const filter of groups.flatMap((g) => g.filters ?? [])) {
    if (!filter.propertyName || !ctx.registry.get(objectType, filter.propertyName)) {
      throw validationError(
        `There was a problem with the request. Property "${filter.propertyName}" does not exist`,
      );
    }
  }
  const limit = Math.min(Math.max(Number(request.limit ?? 10), 0), MAX_LIMIT);
  const after = Number(request.after ?? 0) || 0;
  if (after + limit > MAX_RESULTS) {
    throw validationError(`Paging beyond ${MAX_RESULTS} results is not supported; narrow the filters.`);
  }
  const table = new ObjectTable(ctx.store, ctx.registry, objectType);
  const query = request.query?.toLowerCase();
  const matching = table
    .all()
    .filter((r) => groups.length === 0 || groups.some((g) => (g.filters ?? []).every((f) => matches(r, f))))
    .filter((r) => !query || Object.values(r.fields).some((v) => String(v).toLowerCase().includes(query)))
    .sort(comparator(request.sorts ?? []));
  const page = matching.slice(after, after + limit);
  const next = after + limit < matching.length ? String(after + limit) : undefined;
  return {
    status: 200,
    body: {
      total: matching.length,
      results: page.map((r) => toPublicObject(objectType, r, request.properties ?? [])),
      ...(next !== undefined ? { paging: { next: { after: next } } } : {}),
    },
  };
}

function field(record: StoredRecord, name: string): string | undefined {
  const value = record.fields[name];
  return value === undefined || value === '' ? undefined : String(value);
}

function same(a: string, b: unknown): boolean {
  return a.toLowerCase() === String(b).toLowerCase();
}

function compare(a: string, b: unknown): number {
  const x = Number(a);
  const y = Number(b);
  if (!Number.isNaN(x) && !Number.isNaN(y)) return x - y;
  const dx = Date.parse(a);
  const dy = Date.parse(String(b));
  if (!Number.isNaN(dx) && !Number.isNaN(dy)) return dx - dy;
  return a.localeCompare(String(b));
}

function matches(record: StoredRecord, filter: Filter): boolean {
  const value = field(record, filter.propertyName ?? '');
  const values = filter.values ?? [];
  switch (filter.operator) {
    case 'EQ':
      return value !== undefined && same(value, filter.value);
    case 'NEQ':
      return value === undefined || !same(value, filter.value);
    case 'IN':
      return value !== undefined && values.some((v) => same(value, v));
    case 'NOT_IN':
      return value === undefined || !values.some((v) => same(value, v));
    case 'HAS_PROPERTY':
      return value !== undefined;
    case 'NOT_HAS_PROPERTY':
      return value === undefined;
    case 'LT':
      return value !== undefined && compare(value, filter.value) < 0;
    case 'LTE':
      return value !== undefined && compare(value, filter.value) <= 0;
    case 'GT':
      return value !== undefined && compare(value, filter.value) > 0;
    case 'GTE':
      return value !== undefined && compare(value, filter.value) >= 0;
    case 'BETWEEN':
      return (
        value !== undefined && compare(value, filter.value) >= 0 && compare(value, filter.highValue) <= 0
      );
    case 'CONTAINS_TOKEN':
      return containsToken(value, filter.value);
    case 'NOT_CONTAINS_TOKEN':
      return !containsToken(value, filter.value);
    default:
      throw validationError(`Unsupported filter operator: ${filter.operator}`);
  }
}

function containsToken(value: string | undefined, token: unknown): boolean {
  if (value === undefined) return false;
  return value.toLowerCase().includes(String(token).replaceAll('*', '').toLowerCase());
}

function comparator(sorts: SearchRequest['sorts'] & {}) {
  const keys = sorts.map((s) =>
    typeof s === 'string'
      ? { name: s.replace(/^-/, ''), dir: s.startsWith('-') ? -1 : 1 }
      : { name: s.propertyName ?? 'hs_object_id', dir: s.direction === 'DESCENDING' ? -1 : 1 },
  );
  return (a: StoredRecord, b: StoredRecord): number => {
    for (const key of keys) {
      const x = field(a, key.name);
      const y = field(b, key.name);
      if (x === y) continue;
      if (x === undefined) return 1;
      if (y === undefined) return -1;
      return compare(x, y) * key.dir;
    }
    return Number(a.id) - Number(b.id);
  };
}
