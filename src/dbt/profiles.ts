import { access, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, extname, isAbsolute, join, resolve } from 'node:path';
import { parse } from 'yaml';
import { SpokeError } from '../errors.js';
import { registerSecret } from '../util/redact.js';
import type { DuckdbConnection, PostgresConnection, WarehouseConnection } from '../warehouse/warehouse.js';
import { renderEnvVars, renderEnvVarsDeep } from './env-var.js';
import { readDbtProject } from './project-file.js';

export interface ResolveWarehouseOptions {
  projectDir: string;
  /** `--profiles-dir`; wins over every other location. */
  profilesDir?: string;
  /** `--profile`; wins over DBT_PROFILE and dbt_project.yml. */
  profile?: string;
  /** `--target`; wins over DBT_TARGET and the profile's `target:`. */
  target?: string;
  /** The whole environment (default process.env): env_var() and DBT_* variables read it. */
  env?: NodeJS.ProcessEnv;
}

export interface ResolvedWarehouse {
  profile: string;
  target: string;
  connection: WarehouseConnection;
  profilesFile: string;
}

type Output = Record<string, unknown>;

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/** dbt's order: --profiles-dir, DBT_ENGINE_PROFILES_DIR, DBT_PROFILES_DIR, the project dir, ~/.dbt. */
async function findProfilesFile(options: ResolveWarehouseOptions, env: NodeJS.ProcessEnv): Promise<string> {
  const explicit =
    options.profilesDir ?? nonEmpty(env.DBT_ENGINE_PROFILES_DIR) ?? nonEmpty(env.DBT_PROFILES_DIR);
  const candidates = explicit
    ? [resolve(explicit)]
    : [
        resolve(options.projectDir),
        join(nonEmpty(env.HOME) ?? nonEmpty(env.USERPROFILE) ?? homedir(), '.dbt'),
      ];
  for (const dir of candidates) {
    const file = join(dir, 'profiles.yml');
    if (await exists(file)) return file;
  }
  const where = candidates.map((dir) => join(dir, 'profiles.yml')).join(' or ');
  throw new SpokeError(
    'SPOKE_PROFILE',
    `No profiles.yml found (looked for ${where}). Create one, or point at it with --profiles-dir or DBT_PROFILES_DIR, as for dbt.`,
  );
}

function asRecord(value: unknown): Record<string, unknown> | null {
  return value && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null;
}

class OutputReader {
  constructor(
    private readonly output: Output,
    private readonly where: string,
  ) {}

  problem(message: string, fix: string): SpokeError {
    return new SpokeError('SPOKE_PROFILE', `${this.where}: ${message}. ${fix}`);
  }

  /** Throws one error naming every missing required key (an empty value counts as given, as in dbt). */
  require(keys: (string | [string, string])[]): void {
    const absent = (k: string) => this.output[k] === undefined || this.output[k] === null;
    const missing = keys
      .filter((key) => (Array.isArray(key) ? key : [key]).every(absent))
      .map((key) => (Array.isArray(key) ? `${key[0]} (or ${key[1]})` : key));
    if (missing.length > 0) {
      throw this.problem(
        `${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} missing`,
        'Add them to this output; dbt needs them too.',
      );
    }
  }

  string(key: string): string | undefined {
    const value = this.output[key];
    if (value === undefined || value === null || value === '') return undefined;
    return String(value);
  }

  first(...keys: string[]): string | undefined {
    for (const key of keys) {
      const value = this.string(key);
      if (value !== undefined) return value;
    }
    return undefined;
  }

  integer(key: string): number | undefined {
    const value = this.string(key);
    if (value === undefined) return undefined;
    const number = Number(value);
    if (!Number.isInteger(number) || number < 0) {
      throw this.problem(
        `${key} must be a whole number, got ${JSON.stringify(value)}`,
        `Write a number, e.g. ${key}: 5432.`,
      );
    }
    return number;
  }
}

function postgresConnection(reader: OutputReader, type: 'postgres' | 'redshift'): PostgresConnection {
  reader.require(['host', 'user', ['password', 'pass'], ['database', 'dbname'], 'schema']);
  const port = reader.integer('port') ?? (type === 'redshift' ? 5439 : undefined);
  if (port === undefined) throw reader.problem('port is missing', 'Add it to this output, e.g. port: 5432.');
  const connection: PostgresConnection = {
    type,
    host: reader.string('host')!,
    port,
    user: reader.string('user')!,
    // An empty password is valid: trust or peer authentication asks for none.
    password: reader.first('password', 'pass') ?? '',
    database: reader.first('database', 'dbname')!,
    schema: reader.string('schema')!,
  };
  registerSecret(connection.password);
  const sslmode = reader.string('sslmode') ?? (type === 'redshift' ? 'prefer' : undefined);
  if (sslmode !== undefined) connection.sslmode = sslmode;
  const timeout = reader.integer('connect_timeout');
  if (timeout !== undefined) connection.connectTimeoutSeconds = timeout;
  return connection;
}

function redshiftConnection(reader: OutputReader): PostgresConnection {
  const method = reader.string('method') ?? 'database';
  if (method !== 'database') {
    throw reader.problem(
      `method ${method} is not supported yet (dbt-spoke connects to Redshift with a user and password only; IAM and identity-center methods are not supported)`,
      'Use a target with method: database, or pass one with --target.',
    );
  }
  return postgresConnection(reader, 'redshift');
}

function duckdbConnection(reader: OutputReader, projectDir: string): DuckdbConnection {
  const written = reader.string('path') ?? ':memory:';
  // dbt chdirs into the project dir, so a relative path is relative to it; `md:`/`s3:` style
  // locations and :memory: are passed through.
  const passThrough = written.startsWith(':memory:') || /^[a-zA-Z][a-zA-Z0-9+.-]+:/.test(written);
  const path = passThrough || isAbsolute(written) ? written : resolve(projectDir, written);
  const stem = passThrough ? 'memory' : basename(path, extname(path));
  return {
    type: 'duckdb',
    path,
    database: reader.string('database') ?? stem,
    schema: reader.string('schema') ?? 'main',
  };
}

/** The profile and target dbt would use, and the target's outputs, without rendering them. */
export async function resolveTarget(
  options: ResolveWarehouseOptions,
): Promise<{ profile: string; target: string; profilesFile: string; outputs: Output }> {
  const env = options.env ?? process.env;
  const project = await readDbtProject(options.projectDir, env);
  const profilesFile = await findProfilesFile(options, env);

  const profile =
    options.profile ?? nonEmpty(env.DBT_ENGINE_PROFILE) ?? nonEmpty(env.DBT_PROFILE) ?? project.profile;
  if (!profile) {
    throw new SpokeError(
      'SPOKE_PROFILE',
      `${project.file} has no profile: key. Add profile: <name of a profile in ${profilesFile}>.`,
    );
  }

  let doc: unknown;
  try {
    doc = parse(await readFile(profilesFile, 'utf8'));
  } catch (error) {
    throw new SpokeError('SPOKE_PROFILE', `${profilesFile} is not valid YAML: ${(error as Error).message}`);
  }
  const profiles = asRecord(doc) ?? {};
  const profileEntry = asRecord(profiles[profile]);
  if (!profileEntry) {
    const known = Object.keys(profiles).filter((key) => key !== 'config');
    throw new SpokeError(
      'SPOKE_PROFILE',
      `${profilesFile} has no profile named ${profile} (profiles: ${known.join(', ') || 'none'}). Add it, or fix profile: in ${project.file}.`,
    );
  }
  const writtenTarget =
    profileEntry.target === undefined || profileEntry.target === null
      ? undefined
      : renderEnvVars(String(profileEntry.target), { file: `${profilesFile} (profile ${profile})`, env });
  const target =
    options.target ??
    nonEmpty(env.DBT_ENGINE_TARGET) ??
    nonEmpty(env.DBT_TARGET) ??
    nonEmpty(writtenTarget) ??
    'default';
  return { profile, target, profilesFile, outputs: asRecord(profileEntry.outputs) ?? {} };
}

/** Finds and reads the dbt connection the project uses, exactly as dbt would pick it. */
export async function resolveWarehouse(options: ResolveWarehouseOptions): Promise<ResolvedWarehouse> {
  const env = options.env ?? process.env;
  const { profile, target, profilesFile, outputs } = await resolveTarget(options);
  const where = `${profilesFile} (profile ${profile}, target ${target})`;
  const rawOutput = asRecord(outputs[target]);
  if (!rawOutput) {
    throw new SpokeError(
      'SPOKE_PROFILE',
      `${where}: profile ${profile} has no target named ${target} (targets: ${Object.keys(outputs).join(', ') || 'none'}). Use one of them with --target, or add it under outputs:.`,
    );
  }
  const output = renderEnvVarsDeep(rawOutput, { file: where, env });
  const reader = new OutputReader(output, where);

  const type = reader.string('type');
  let connection: WarehouseConnection;
  if (type === 'postgres') connection = postgresConnection(reader, 'postgres');
  else if (type === 'redshift') connection = redshiftConnection(reader);
  else if (type === 'duckdb') connection = duckdbConnection(reader, resolve(options.projectDir));
  else {
    throw reader.problem(
      `type ${type ?? '(missing)'} is not supported`,
      'dbt-spoke reads postgres, redshift and duckdb targets; choose one with --target.',
    );
  }
  return { profile, target, connection, profilesFile };
}
