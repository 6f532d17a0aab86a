import type { SyncSpec } from '../config/types.js';
import type { Manifest } from '../dbt/artifact-types.js';
import { type ColumnTests, columnTests } from '../dbt/column-tests.js';
import type { Destination, FieldSchema, ObjectSchema } from '../destinations/contract.js';
import type { Diagnostic } from '../errors.js';
import { closestMatches } from '../util/suggest.js';
import type { ColumnInfo } from '../warehouse/warehouse.js';

/*
 * Checks of one sync against what exists, before anything is written: the model's columns in
 * the warehouse and the destination's fields. A mapping mistake is reported here, located,
 * rather than as thousands of failed records.
 */

function reporter(spec: SyncSpec, diagnostics: Diagnostic[]) {
  return (field: string, message: string, fix: string) =>
    diagnostics.push({
      file: spec.source.file,
      model: spec.model,
      field: `spoke[${spec.source.index}].${field}`,
      message,
      fix,
    });
}

/** Every column the sync reads exists in the model's relation. */
export function preflightColumns(spec: SyncSpec, columns: ColumnInfo[]): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const at = reporter(spec, diagnostics);

  const columnNames = columns.map((column) => column.name);
  const checkColumn = (column: string, field: string) => {
    if (columnNames.includes(column)) return;
    const [near] = closestMatches(column, columnNames, 1);
    at(
      field,
      `column "${column}" does not exist in ${spec.model} (${spec.relation.schema}.${spec.relation.identifier}).`,
      near ? `did you mean "${near}"?` : `use one of: ${columnNames.join(', ')}.`,
    );
  };
  checkColumn(spec.key, 'key');
  for (const { column } of spec.fields) checkColumn(column, `fields.${column}`);
  for (const { column } of spec.lookups) checkColumn(column, `fields.${column}`);
  for (const [index, { column }] of spec.associations.entries())
    checkColumn(column, `associations[${index}].column`);

  return diagnostics;
}

/** Every field exists and is writable in the sync's mode; `match` and lookups identify records. */
export async function preflightDestination(
  spec: SyncSpec,
  destination: Pick<Destination, 'name' | 'describe'>,
): Promise<Diagnostic[]> {
  const diagnostics: Diagnostic[] = [];
  const at = reporter(spec, diagnostics);
  const schema = await destination.describe(spec.object);
  const fieldOf = (name: string) => schema.fields.find((field) => field.name === name);
  const writable = (field: FieldSchema) =>
    spec.mode === 'update'
      ? field.updateable
      : spec.mode === 'create'
        ? field.createable
        : field.createable || field.updateable;

  checkUniqueField(schema, spec.match, destination.name, (message, fix) => at('match', message, fix));
  for (const { column, field } of spec.fields) {
    const found = fieldOf(field);
    if (!found) {
      const suggestion = suggestField(schema, field, schema.fields.filter(writable), 'writable');
      at(`fields.${column}`, ...noField(schema, field, destination.name, suggestion));
    } else if (!writable(found)) {
      at(
        `fields.${column}`,
        `${spec.object}.${field} is read-only in ${destination.name}.`,
        'map the column to a writable field, or remove it.',
      );
    }
  }
  for (const lookup of spec.lookups) {
    const path = `fields.${lookup.column}.lookup`;
    if (!schema.fields.some((field) => field.relationshipName === lookup.relationship)) {
      const relationships = schema.fields.flatMap((field) =>
        field.relationshipName ? [field.relationshipName] : [],
      );
      const [near] = closestMatches(lookup.relationship, relationships, 1);
      at(
        path,
        `${spec.object} has no relationship "${lookup.relationship}".`,
        near ? `did you mean "${near}"?` : `use one of: ${relationships.join(', ')}.`,
      );
      continue;
    }
    const parent = await destination.describe(lookup.object);
    checkUniqueField(parent, lookup.match, destination.name, (message, fix) =>
      at(`fields.${lookup.column}.match`, message, fix),
    );
  }
  for (const [index, association] of spec.associations.entries()) {
    const target = await destination.describe(association.to);
    checkUniqueField(target, association.match, destination.name, (message, fix) =>
      at(`associations[${index}].match`, message, fix),
    );
  }
  return diagnostics;
}

function checkUniqueField(
  schema: ObjectSchema,
  name: string,
  destination: string,
  report: (message: string, fix: string) => void,
): void {
  const field = schema.fields.find((candidate) => candidate.name === name);
  if (!field) {
    const unique = schema.fields.filter((candidate) => candidate.unique);
    report(
      ...noField(schema, name, destination, suggestField(schema, name, unique, 'external id / unique-value')),
    );
  } else if (!field.unique) {
    report(
      `${schema.object}.${name} cannot identify records: it is not an external id / unique-value field.`,
      `mark it as an external id (Salesforce) or unique value (HubSpot), or match on another field.`,
    );
  }
}

/**
 * A field the schema lacks. A saved schema can be older than the field (added in the org or
 * portal after the pull), so the message names the file and the pull that brings it up to date.
 */
function noField(
  schema: ObjectSchema,
  name: string,
  destination: string,
  suggestion: string,
): [string, string] {
  if (!schema.savedFile) return [`${schema.object} has no field "${name}".`, suggestion];
  return [
    `${schema.object} has no field "${name}" in ${schema.savedFile} (saved by \`spoke schema pull\`; the file may be out of date).`,
    `${suggestion} If ${name} was added in ${destination} after the pull, run \`spoke schema pull --destination ${destination} --object ${schema.object}\` and commit the diff.`,
  ];
}

/** Fields listed inline when nothing is close: no spoke command lists a destination's fields. */
const FIELDS_LISTED = 25;

/** The closest field name, else the fields that would fit, listed inline (at most FIELDS_LISTED). */
function suggestField(schema: ObjectSchema, name: string, fitting: FieldSchema[], kind: string): string {
  const [near] = closestMatches(
    name,
    schema.fields.map((field) => field.name),
    1,
  );
  if (near) return `did you mean "${near}"?`;
  if (fitting.length === 0)
    return `${schema.object} has no ${kind} field; create the field in the destination.`;
  const names = fitting.map((field) => field.name).sort((a, b) => a.localeCompare(b));
  const listed = names.slice(0, FIELDS_LISTED).join(', ');
  const more = names.length > FIELDS_LISTED ? ` and ${names.length - FIELDS_LISTED} more` : '';
  return `use one of ${schema.object}'s ${kind} fields (${listed}${more}), or create the field in the destination.`;
}

/** Destination types that hold numbers (Salesforce and HubSpot names). */
const NUMBER_TYPES = new Set(['double', 'currency', 'percent', 'int', 'long', 'number']);
/** Warehouse column types that hold text (DuckDB, PostgreSQL, Redshift spellings). */
const TEXT_TYPE = /^\s*(varchar|text|string|char|character|nvarchar|bpchar|character varying)\b/i;

/** What dbt's manifest says of a model column: its declared `data_type` and its tests. */
export interface ColumnFacts {
  dataType: string | null;
  tests: ColumnTests | null;
}

/**
 * Checks that need what dbt knows of the columns or that only hold for records created: a text
 * column mapped to a number field (when schema.yml declares `data_type`), values a column's
 * `accepted_values` test allows but a restricted picklist refuses, and a field required on
 * create that no column fills.
 */
export function preflightMapping(
  spec: SyncSpec,
  schema: ObjectSchema,
  columnFacts: (column: string) => ColumnFacts,
  destination: string,
): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const at = reporter(spec, diagnostics);
  for (const { column, field } of spec.fields) {
    const found = schema.fields.find((candidate) => candidate.name === field);
    if (!found) continue;
    const { dataType: type, tests } = columnFacts(column);
    if (type && NUMBER_TYPES.has(found.type) && TEXT_TYPE.test(type)) {
      at(
        `fields.${column}`,
        `column "${column}" is ${type} (text) but ${spec.object}.${field} is a ${found.type} field.`,
        'cast the column to a number in the model, or map it to a text field.',
      );
    }
    const allowed = new Set(found.picklistValues ?? []);
    const refused = found.restrictedPicklist
      ? [...new Set(tests?.acceptedValues ?? [])].filter((value) => !allowed.has(value))
      : [];
    if (refused.length > 0) {
      const where = schema.savedFile ? ` (${schema.savedFile})` : '';
      const kind =
        found.type === 'enumeration'
          ? 'an enumeration whose options are'
          : 'a restricted picklist whose active values are';
      at(
        `fields.${column}`,
        `column "${column}" accepts ${quoted(refused)} (its accepted_values test), but ${spec.object}.${field}${where} ` +
          `is ${kind} ${quoted([...allowed])}, so ${destination} would refuse those records.`,
        `add ${refused.length === 1 ? 'the value' : 'the values'} to the picklist in ${destination}` +
          `${schema.savedFile ? ` and run \`spoke schema pull --destination ${destination} --object ${spec.object}\`` : ''}, ` +
          'or map them to allowed values in the model and update accepted_values.',
      );
    }
  }
  if (spec.mode !== 'update') {
    const names = schema.fields.map((field) => field.name);
    // A misspelled mapping is reported as such; the field it was meant for is not missing too.
    const meant = (field: string) =>
      names.includes(field) ? field : (closestMatches(field, names, 1)[0] ?? field);
    const filled = new Set([spec.match, ...spec.fields.map((mapping) => meant(mapping.field))]);
    const linked = new Set(spec.lookups.map((lookup) => lookup.relationship));
    for (const field of schema.fields) {
      if (!field.required || filled.has(field.name)) continue;
      if (field.relationshipName && linked.has(field.relationshipName)) continue;
      at(
        'fields',
        `${spec.object}.${field.name} is required to create a record, and no column maps to it.`,
        `map a column to ${field.name} under fields, or use mode: update.`,
      );
    }
  }
  return diagnostics;
}

function quoted(values: string[]): string {
  return values.length === 0 ? 'none' : values.map((value) => `"${value}"`).join(', ');
}

/**
 * Every destination check of one sync: its fields, `match`, lookups and associations against
 * the destination's schema (saved or live, as `describe` answers), and the checks that need the
 * model's columns as dbt describes them. `spoke validate` runs it on saved schemas alone,
 * `spoke sync` before writing, so both report the same mistakes with the same words.
 */
export async function preflightSync(
  spec: SyncSpec,
  destination: Pick<Destination, 'name' | 'describe'>,
  manifest: Manifest,
): Promise<Diagnostic[]> {
  const tests = columnTests(manifest, spec.uniqueId);
  const columns = Object.values(manifest.nodes[spec.uniqueId]?.columns ?? {});
  const columnFacts = (column: string): ColumnFacts => ({
    dataType: columns.find((entry) => entry.name.toLowerCase() === column.toLowerCase())?.data_type ?? null,
    tests: tests.get(column.toLowerCase()) ?? null,
  });
  return [
    ...(await preflightDestination(spec, destination)),
    ...preflightMapping(spec, await destination.describe(spec.object), columnFacts, destination.name),
  ];
}
