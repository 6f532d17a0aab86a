import type { z } from 'zod';
import type { Diagnostic } from '../errors.js';
import { closestMatches, didYouMean, formatList } from '../util/suggest.js';

type Path = readonly PropertyKey[];

/** Where a diagnostic lands: the file (optionally per path, for `file:line`), the model, the path prefix. */
export interface IssueContext {
  file: string | ((path: Path) => string);
  model?: string;
  /** Path of `value` inside the user's file, e.g. `['spoke', 1]`. */
  prefix: Path;
}

interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  valueType?: z.ZodType;
  catchall?: z.ZodType;
  options?: z.ZodType[];
  innerType?: z.ZodType;
  in?: z.ZodType;
  values?: unknown[];
}

const defOf = (schema: z.ZodType): Def => schema._zod.def as unknown as Def;

/** The schema of a mapping's entries (stringRecord), never the `never` of a strict object. */
function entrySchema(def: Def): z.ZodType | undefined {
  const catchall = def.catchall;
  return catchall && defOf(catchall).type !== 'never' ? catchall : def.valueType;
}

export function formatPath(path: Path): string {
  return path
    .map((segment, i) => {
      if (typeof segment === 'number') return `[${segment}]`;
      return i === 0 ? String(segment) : `.${String(segment)}`;
    })
    .join('');
}

function valueAt(value: unknown, path: Path): unknown {
  let current = value;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[segment];
  }
  return current;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  for (;;) {
    const def = defOf(current);
    const inner = def.innerType ?? (def.type === 'pipe' ? def.in : undefined);
    if (!inner) return current;
    current = inner;
  }
}

/** The union option that the user's value was evidently aiming at (by a matching literal `type`, or by shape). */
function pickOption(options: z.ZodType[], value: unknown): z.ZodType | undefined {
  const candidates = options.map(unwrap).filter((option) => {
    const def = defOf(option);
    if (isPlainObject(value)) return def.type === 'object';
    if (Array.isArray(value)) return def.type === 'array';
    return def.type !== 'object' && def.type !== 'array';
  });
  const byLiteral = candidates.find((option) => {
    const shape = defOf(option).shape;
    if (!shape || !isPlainObject(value)) return false;
    return Object.entries(shape).some(([key, property]) => {
      const def = defOf(unwrap(property));
      return def.type === 'literal' && def.values?.includes(value[key]);
    });
  });
  return byLiteral ?? candidates[0];
}

/** The schema describing `path` inside `root`, following the user's value through unions. */
export function schemaAt(root: z.ZodType, rootValue: unknown, path: Path): z.ZodType | undefined {
  let schema: z.ZodType | undefined = root;
  for (let i = 0; i <= path.length && schema; i++) {
    const wrapped: z.ZodType = schema;
    schema = unwrap(schema);
    const here = valueAt(rootValue, path.slice(0, i));
    const def = defOf(schema);
    // The wrapper (optional, default) carries the description: keep it for the last step.
    if (i === path.length && def.type !== 'union') return wrapped;
    if (def.type === 'union' && def.options) {
      schema = pickOption(def.options, here);
      i--;
      if (!schema) return undefined;
      continue;
    }
    if (i === path.length) break;
    const segment = path[i];
    if (def.type === 'object') schema = def.shape?.[String(segment)] ?? entrySchema(def);
    else if (def.type === 'array') schema = def.element;
    else if (def.type === 'record') schema = def.valueType;
    else return undefined;
  }
  return schema;
}

/** The schema declared for `path`, before resolving a union against the user's value. */
function declaredAt(root: z.ZodType, rootValue: unknown, path: Path): z.ZodType | undefined {
  if (path.length === 0) return root;
  const parent = schemaAt(root, rootValue, path.slice(0, -1));
  const def = parent && defOf(unwrap(parent));
  return def?.shape?.[String(path[path.length - 1])] ?? (def && entrySchema(def)) ?? def?.element;
}

/** The property's description as a fix: `set \`mode\` — upsert (default): ...`. */
function describeSchema(root: z.ZodType, rootValue: unknown, path: Path): string | undefined {
  const declared = declaredAt(root, rootValue, path);
  const resolved = schemaAt(root, rootValue, path);
  const description =
    declared?.description ?? (declared && unwrap(declared).description) ?? resolved?.description;
  return description === undefined ? undefined : `set ${quoteName(path)} — ${description}`;
}

function keysAt(root: z.ZodType, rootValue: unknown, path: Path): string[] {
  const schema = schemaAt(root, rootValue, path);
  const shape = schema && defOf(unwrap(schema)).shape;
  return shape ? Object.keys(shape) : [];
}

/** The choices of a discriminated union's `key` at `path`, e.g. the destination `type`s. */
function literalsAt(root: z.ZodType, rootValue: unknown, path: Path, key: string): string[] {
  const declared = declaredAt(root, rootValue, path);
  if (!declared) return [];
  return (defOf(unwrap(declared)).options ?? []).flatMap((option) => {
    const property = defOf(unwrap(option)).shape?.[key];
    return property ? (defOf(unwrap(property)).values ?? []).map(String) : [];
  });
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return 'a string';
  if (typeof value === 'boolean') return 'true/false';
  return `a ${typeof value}`;
}

const expectedNames: Record<string, string> = {
  string: 'a string',
  object: 'a mapping',
  array: 'a list',
  record: 'a mapping',
  int: 'a whole number',
  number: 'a number',
  boolean: 'true or false',
};

const expectedName = (expected: unknown) => expectedNames[String(expected)] ?? String(expected);

function quoteName(path: Path): string {
  const last = path[path.length - 1];
  return last === undefined ? 'value' : typeof last === 'number' ? `item ${last}` : `\`${String(last)}\``;
}

/**
 * Turns zod issues into diagnostics a user can act on: the path as written in their file,
 * the closest valid key for a typo, the property's description as the fix. Values are never
 * quoted except enum choices, so secrets cannot leak through a type error.
 */
export function issuesToDiagnostics(
  root: z.ZodType,
  value: unknown,
  issues: readonly z.core.$ZodIssue[],
  context: IssueContext,
): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const push = (path: Path, message: string, fix?: string) => {
    const full = [...context.prefix, ...path];
    const file = typeof context.file === 'function' ? context.file(full) : context.file;
    diagnostics.push({
      file,
      ...(context.model !== undefined && { model: context.model }),
      field: formatPath(full),
      message,
      ...(fix !== undefined && { fix }),
    });
  };

  const visit = (issue: z.core.$ZodIssue, base: Path) => {
    const path = [...base, ...issue.path];
    const here = valueAt(value, path);
    const description = describeSchema(root, value, path);
    switch (issue.code) {
      case 'unrecognized_keys': {
        const valid = keysAt(root, value, path);
        for (const key of issue.keys) {
          const [best] = closestMatches(key, valid, 1);
          push(
            [...path, key],
            `unknown key \`${key}\`.${best ? ` Did you mean \`${best}\`?` : ''}`,
            best ? `rename it to \`${best}\`` : `remove it; valid keys here: ${formatList(valid)}`,
          );
        }
        return;
      }
      case 'invalid_type': {
        if (here === undefined) {
          push(
            path,
            `${quoteName(path)} is required.`,
            description?.replace(/^set /, 'add ') ?? `add ${quoteName(path)}`,
          );
        } else {
          push(path, `expected ${expectedName(issue.expected)}, got ${kindOf(here)}.`, description);
        }
        return;
      }
      case 'invalid_union': {
        if ('discriminator' in issue && issue.discriminator) {
          const owner = path.slice(0, -1);
          const choices = literalsAt(root, value, owner, String(issue.discriminator));
          const fix = `set ${choices.map((c) => `\`${String(issue.discriminator)}: ${c}\``).join(' or ')}`;
          if (here === undefined) push(path, `${quoteName(path)} is required.`, fix);
          else {
            const hint = typeof here === 'string' ? didYouMean(here, choices) : '';
            push(path, `${quoteName(path)} must be one of ${formatList(choices)}.${hint}`, fix);
          }
          return;
        }
        const aimed = issue.errors.find(
          (branch) => !branch.some((i) => i.path.length === 0 && i.code === 'invalid_type'),
        );
        if (aimed && (isPlainObject(here) || Array.isArray(here))) {
          for (const inner of aimed) visit(inner, path);
          return;
        }
        const expected = issue.errors.flatMap((branch) =>
          branch.flatMap((i) =>
            i.path.length === 0 && i.code === 'invalid_type' ? [expectedName(i.expected)] : [],
          ),
        );
        if (expected.length > 0 && here !== undefined) {
          push(path, `expected ${[...new Set(expected)].join(' or ')}, got ${kindOf(here)}.`, description);
        } else if (aimed) {
          for (const inner of aimed) visit(inner, path);
        } else {
          push(path, 'is not valid.', description);
        }
        return;
      }
      case 'invalid_value': {
        const choices = issue.values.map(String);
        const got =
          typeof here === 'string' || typeof here === 'number' ? `\`${String(here)}\`` : kindOf(here);
        const hint = typeof here === 'string' ? didYouMean(here, choices) : '';
        push(
          path,
          `must be ${choices.length === 1 ? '' : 'one of '}${formatList(choices)}, got ${got}.${hint}`,
          description,
        );
        return;
      }
      case 'too_small': {
        const empty = (typeof here === 'string' || Array.isArray(here)) && issue.minimum === 1;
        push(path, empty ? 'must not be empty.' : `${issue.message}.`, description);
        return;
      }
      default:
        push(path, `${issue.message}.`, description);
    }
  };

  for (const issue of issues) visit(issue, []);
  return diagnostics;
}
