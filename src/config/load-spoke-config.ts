import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { type Document, LineCounter, parseDocument, visit } from 'yaml';
import type { z } from 'zod';
import { renderEnvVarsDeep } from '../dbt/env-var.js';
import { ConfigError, type Diagnostic } from '../errors.js';
import { registerSecret } from '../util/redact.js';
import { alertRules, normaliseAlerts, type WrittenAlerts } from './alert-settings.js';
import { assertValid } from './assert-valid.js';
import { MAX_YAML_ALIASES } from './input-limits.js';
import { issuesToDiagnostics } from './issues-to-diagnostics.js';
import { ownValue } from './own-value.js';
import { reservedKeyDiagnostics } from './reserved-keys.js';
import { destinationRules, spokeYmlRules } from './spoke-yml-rules.js';
import { type destinationOverrideSchema, secretKeys, spokeYmlSchema } from './spoke-yml-schema.js';
import type { DestinationConfig, SandboxRouting, SpokeConfig } from './types.js';
import { yamlLocator } from './yaml-locations.js';

export interface LoadSpokeConfigOptions {
  /** Directory holding dbt_project.yml; spoke.yml sits beside it. */
  projectDir: string;
  /** The dbt target in use: selects `targets.<target>`. */
  target: string;
  env?: NodeJS.ProcessEnv;
}

type SpokeYml = z.output<typeof spokeYmlSchema>;
type WrittenDestination = NonNullable<SpokeYml['destinations']>[string];
type Override = z.output<typeof destinationOverrideSchema>;

export const DEFAULT_SALESFORCE_LOGIN_URL = 'https://login.salesforce.com';
export const DEFAULT_SALESFORCE_API_VERSION = '62.0';
export const DEFAULT_HUBSPOT_BASE_URL = 'https://api.hubapi.com';
export const DEFAULT_STATE_SCHEMA = 'spoke';

const endpointKeys = ['login_url', 'instance_url', 'base_url'] as const;
const sandboxedKeys = new Set<string>([...secretKeys, ...endpointKeys, 'username', 'client_id']);

async function readIfExists(file: string): Promise<string | null> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

const emptyToUndefined = (value: string | undefined) =>
  value === undefined || value === '' ? undefined : value;

function apiVersion(value: string | number | undefined): string {
  if (value === undefined) return DEFAULT_SALESFORCE_API_VERSION;
  return typeof value === 'number' ? (Number.isInteger(value) ? value.toFixed(1) : String(value)) : value;
}

function normaliseDestination(name: string, written: Record<string, unknown>): DestinationConfig {
  const text = (key: string) =>
    emptyToUndefined(typeof written[key] === 'string' ? (written[key] as string) : undefined);
  const optional = <K extends string>(key: K, value: string | undefined) =>
    value === undefined ? {} : ({ [key]: value } as Record<K, string>);
  const number = <K extends string>(key: K, value: unknown) =>
    typeof value === 'number' ? ({ [key]: value } as Record<K, number>) : {};
  if (written.type === 'hubspot') {
    const rateLimit = written.rate_limit as
      | { requests?: number; window_ms?: number; daily?: number }
      | undefined;
    return {
      name,
      type: 'hubspot',
      baseUrl: text('base_url') ?? DEFAULT_HUBSPOT_BASE_URL,
      ...optional('accessToken', text('access_token')),
      ...number('requestsPerWindow', rateLimit?.requests),
      ...number('windowMs', rateLimit?.window_ms),
      ...number('dailyLimit', rateLimit?.daily),
    };
  }
  return {
    name,
    type: 'salesforce',
    loginUrl: text('login_url') ?? DEFAULT_SALESFORCE_LOGIN_URL,
    ...optional('instanceUrl', text('instance_url')),
    apiVersion: apiVersion(written.api_version as string | number | undefined),
    ...optional('username', text('username')),
    ...optional('password', text('password')),
    ...optional('clientId', text('client_id')),
    ...optional('clientSecret', text('client_secret')),
    ...optional('accessToken', text('access_token')),
    ...number('bulkThreshold', written.bulk_threshold),
    ...number('maxBulkSize', written.bulk_job_size),
  };
}

function sandboxRouting(value: unknown): SandboxRouting | null {
  if (value === true) return {};
  if (value === null || typeof value !== 'object') return null;
  const urls = value as { salesforce_url?: string; hubspot_url?: string };
  return {
    ...(emptyToUndefined(urls.salesforce_url) !== undefined && { salesforceUrl: urls.salesforce_url }),
    ...(emptyToUndefined(urls.hubspot_url) !== undefined && { hubspotUrl: urls.hubspot_url }),
  };
}

/**
 * The parsed document as plain values, with alias expansion capped at MAX_YAML_ALIASES: a file
 * of nested aliases ("billion laughs") would otherwise expand to gigabytes.
 */
function toJs(doc: Document, lineOf: (offset: number) => string): unknown {
  try {
    return doc.toJS({ maxAliasCount: MAX_YAML_ALIASES }) ?? {};
  } catch (error) {
    if (!(error instanceof ReferenceError) || !/alias/i.test(error.message)) throw error;
    let where = lineOf(0);
    visit(doc, {
      Alias(_key, node) {
        if (node.range) where = lineOf(node.range[0]);
        return visit.BREAK;
      },
    });
    throw new ConfigError('spoke.yml expands too many YAML aliases', [
      {
        file: where,
        message: `its aliases (\`*name\`) expand to more than ${MAX_YAML_ALIASES} copies of anchored values; dbt-spoke stops there so that a file of nested aliases cannot exhaust memory.`,
        fix: 'write the repeated values out, or reuse an anchor fewer times; limits are listed in docs/limits.md',
      },
    ]);
  }
}

/**
 * Reads spoke.yml beside dbt_project.yml: validates the file as written (schema, secrets only
 * through env_var()), then renders env_var() for what the active target uses, applies the
 * target's overrides and checks credentials. A project without spoke.yml gets an empty config;
 * buildSyncSpecs reports the destinations its models name.
 */
export async function loadSpokeConfig(options: LoadSpokeConfigOptions): Promise<SpokeConfig> {
  const file = path.resolve(options.projectDir, 'spoke.yml');
  const text = await readIfExists(file);
  if (text === null)
    return {
      file: null,
      target: options.target,
      destinations: Object.create(null),
      sandbox: null,
      state: { schema: DEFAULT_STATE_SCHEMA },
      alerts: null,
    };

  // Named like the model files in diagnostics: relative to the project directory.
  const label = 'spoke.yml';
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      `spoke.yml is not valid YAML`,
      doc.errors.map((error) => ({
        file: `${label}:${lineCounter.linePos(error.pos[0]).line}`,
        message: `${error.message.split('\n')[0]}.`,
        fix: 'fix the YAML syntax (indentation, quoting, a missing `:`)',
      })),
    );
  }
  const raw = toJs(doc, (node) => `${label}:${lineCounter.linePos(node).line}`);
  const locate = yamlLocator(doc, lineCounter, label);
  // zod would drop such keys or, worse, set the prototype of what it builds from them.
  assertValid(reservedKeyDiagnostics(raw, { file: locate, prefix: [] }));

  const diagnostics: Diagnostic[] = [];
  const parsed = spokeYmlSchema.safeParse(raw);
  if (!parsed.success) {
    diagnostics.push(
      ...issuesToDiagnostics(spokeYmlSchema, raw, parsed.error.issues, { file: locate, prefix: [] }),
    );
  }
  diagnostics.push(...spokeYmlRules(raw, locate));
  if (parsed.success)
    diagnostics.push(...alertRules(parsed.data.alerts as WrittenAlerts | undefined, locate));
  assertValid(diagnostics);
  const written = parsed.data as SpokeYml;

  const env = options.env ?? process.env;
  const targetSettings = ownValue(written.targets, options.target);
  const sandbox = sandboxRouting(
    targetSettings?.sandbox === undefined
      ? null
      : renderEnvVarsDeep(targetSettings.sandbox, { file: label, env }),
  );

  // No prototype: a destination named `constructor` or `toString` is looked up like any other.
  const destinations: Record<string, DestinationConfig> = Object.create(null);
  for (const [name, destination] of Object.entries(written.destinations ?? {})) {
    const merged: Record<string, unknown> = {
      ...destination,
      ...(ownValue(targetSettings?.destinations, name) ?? {}),
    };
    // Routed to the sandbox, endpoints and credentials are replaced: their env vars need not be set.
    if (sandbox) for (const key of sandboxedKeys) delete merged[key];
    const resolved = normaliseDestination(
      name,
      renderEnvVarsDeep(merged as WrittenDestination & Override, { file: label, env }),
    );
    // From here on every output and state write masks them.
    if (resolved.type === 'salesforce')
      for (const secret of [resolved.password, resolved.clientSecret]) registerSecret(secret);
    registerSecret(resolved.accessToken);
    destinations[name] = resolved;
  }
  assertValid(Object.values(destinations).flatMap((d) => destinationRules(d, sandbox !== null, locate)));

  return {
    file,
    target: options.target,
    destinations,
    sandbox,
    state: { schema: written.state?.schema ?? DEFAULT_STATE_SCHEMA },
    alerts: normaliseAlerts(written.alerts as WrittenAlerts | undefined, { file: label, env }),
  };
}
