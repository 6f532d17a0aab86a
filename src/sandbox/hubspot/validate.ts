import { isReadOnly, type PropertyRegistry } from './properties.js';
import type { HubspotPropertyDef } from './types.js';

export interface PropertyProblem {
  code: string;
  message: string;
  propertyName: string;
}

export interface ValidatedProperties {
  problems: PropertyProblem[];
  /** Values as stored: strings, datetimes normalised to ISO-8601, `""` meaning "clear". */
  values: Record<string, string>;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const NUMBER = /^[-+]?(\d+(\.\d*)?|\.\d+)$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATETIME = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
const EPOCH_MS = /^\d{10,14}$/;

/** Checks property values the way HubSpot does, per property, collecting every problem. */
export function validateProperties(
  registry: PropertyRegistry,
  objectType: string,
  input: unknown,
): ValidatedProperties {
  const problems: PropertyProblem[] = [];
  const values: Record<string, string> = {};
  if (input === undefined || input === null) return { problems, values };
  if (typeof input !== 'object' || Array.isArray(input)) {
    problems.push({ code: 'INVALID_INPUT', message: 'properties must be an object', propertyName: '' });
    return { problems, values };
  }
  for (const [name, raw] of Object.entries(input as Record<string, unknown>)) {
    const def = registry.get(objectType, name);
    if (!def) {
      problems.push({
        code: 'PROPERTY_DOESNT_EXIST',
        message: `Property "${name}" does not exist`,
        propertyName: name,
      });
      continue;
    }
    if (isReadOnly(def)) {
      problems.push({
        code: 'READ_ONLY_VALUE',
        message: `"${name}" is a read only property; its value cannot be set.`,
        propertyName: name,
      });
      continue;
    }
    const value =
      raw === null || raw === undefined ? '' : typeof raw === 'object' ? JSON.stringify(raw) : String(raw);
    if (value === '') {
      values[name] = '';
      continue;
    }
    const checked = checkValue(objectType, def, value);
    if ('problem' in checked) problems.push({ ...checked.problem, propertyName: name });
    else values[name] = checked.value;
  }
  return { problems, values };
}

function checkValue(
  objectType: string,
  def: HubspotPropertyDef,
  value: string,
): { value: string } | { problem: { code: string; message: string } } {
  if (def.name === 'email' && objectType === 'contacts' && !EMAIL.test(value)) {
    return { problem: { code: 'INVALID_EMAIL', message: `Email address ${value} is invalid` } };
  }
  switch (def.type) {
    case 'number':
      return NUMBER.test(value.trim())
        ? { value: value.trim() }
        : { problem: { code: 'INVALID_INTEGER', message: `${value} was not a valid number.` } };
    case 'bool':
      return /^(true|false)$/i.test(value)
        ? { value: value.toLowerCase() }
        : { problem: { code: 'INVALID_BOOLEAN', message: `${value} was not a valid boolean.` } };
    case 'enumeration':
      return checkOption(def, value);
    case 'date':
      return checkDate(value);
    case 'datetime':
      return checkDatetime(value);
    default:
      return { value };
  }
}

function checkOption(def: HubspotPropertyDef, value: string) {
  const options = def.options ?? [];
  if (def.externalOptions || options.length === 0) return { value };
  const allowed = new Set(options.map((o) => o.value));
  const chosen = def.fieldType === 'checkbox' ? value.split(';') : [value];
  const bad = chosen.find((v) => !allowed.has(v));
  if (bad === undefined) return { value };
  return {
    problem: {
      code: 'INVALID_OPTION',
      message: `${bad} was not one of the allowed options: [${options.map((o) => o.value).join(', ')}]`,
    },
  };
}

function checkDate(value: string) {
  if (DATE.test(value) && !Number.isNaN(Date.parse(`${value}T00:00:00Z`))) return { value };
  if (EPOCH_MS.test(value)) {
    const date = new Date(Number(value));
    if (date.getUTCHours() + date.getUTCMinutes() + date.getUTCSeconds() + date.getUTCMilliseconds() === 0) {
      return { value: date.toISOString().slice(0, 10) };
    }
    return {
      problem: { code: 'INVALID_DATE', message: `${value} is at ${date.toISOString()}, not midnight!` },
    };
  }
  return { problem: { code: 'INVALID_DATE', message: `${value} is not a valid date.` } };
}

function checkDatetime(value: string) {
  const ms = EPOCH_MS.test(value)
    ? Number(value)
    : DATETIME.test(value)
      ? Date.parse(asUtc(value))
      : Number.NaN;
  if (Number.isNaN(ms)) {
    return { problem: { code: 'INVALID_DATE', message: `${value} is not a valid date/time.` } };
  }
  return { value: new Date(ms).toISOString() };
}

/** A zone-less timestamp is UTC (JavaScript would read it as local time). */
function asUtc(value: string): string {
  const iso = value.replace(' ', 'T');
  if (!iso.includes('T')) return `${iso}T00:00:00Z`;
  return /(Z|[+-]\d{2}:?\d{2})$/.test(iso) ? iso : `${iso}Z`;
}
