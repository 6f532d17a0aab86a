import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { SpokeError } from '../errors.js';
import type { Manifest } from './artifact-types.js';

/** dbt's node selection arguments, passed to `dbt ls` as written. */
export interface DbtSelectors {
  select: readonly string[];
  exclude: readonly string[];
  selector?: string;
  /** dbt's --state: the artifacts `state:` methods compare against. */
  state?: string;
}

export interface DbtProjectLocation {
  projectDir: string;
  profilesDir?: string;
  target: string;
}

const CACHED_SELECTIONS = 20;

/** A name with no method, path, graph operator or wildcard. */
const BARE_NAME = /^[A-Za-z0-9_]+$/;

/**
 * The models a bare name selects, as dbt's default (fqn) method does: the model of that name,
 * or every model of the package of that name. Null when the selector is not a bare name.
 */
export function modelsByBareName(manifest: Manifest, selector: string): string[] | null {
  if (!BARE_NAME.test(selector)) return null;
  return Object.values(manifest.nodes)
    .filter((node) => node.resource_type === 'model')
    .filter((node) => node.name === selector || node.fqn.at(-1) === selector || node.fqn[0] === selector)
    .map((node) => node.unique_id);
}

/** Whether only dbt itself can answer (anything but bare names). */
export function needsDbtList(selectors: DbtSelectors): boolean {
  return (
    selectors.exclude.length > 0 ||
    selectors.selector !== undefined ||
    selectors.select.some((selector) => !BARE_NAME.test(selector))
  );
}

async function cacheKey(
  manifest: Manifest,
  location: DbtProjectLocation,
  selectors: DbtSelectors,
): Promise<string> {
  const hash = createHash('sha256');
  hash.update(
    JSON.stringify([manifest.metadata.invocation_id, manifest.metadata.generated_at, location.target]),
  );
  hash.update(JSON.stringify(selectors));
  // `state:` methods depend on the other manifest too.
  if (selectors.state) {
    hash.update(
      await readFile(join(resolve(location.projectDir), selectors.state, 'manifest.json')).catch(() => ''),
    );
  }
  return hash.digest('hex');
}

/**
 * The unique ids of the models dbt selects: `dbt ls --resource-type model` with the same
 * arguments, so `tag:`, `path:`, `state:modified+`, `+model`, `@model` and YAML selectors mean
 * what they mean to dbt. Answers are cached per manifest; dbt writes into `.spoke/dbt-ls/`,
 * never the project's target/.
 */
export async function listSelectedModels(
  manifest: Manifest,
  location: DbtProjectLocation,
  selectors: DbtSelectors,
): Promise<Set<string>> {
  const dir = join(resolve(location.projectDir), '.spoke', 'dbt-ls');
  const cacheFile = join(dir, 'selections.json');
  const key = await cacheKey(manifest, location, selectors);
  const cache = JSON.parse(await readFile(cacheFile, 'utf8').catch(() => '{}')) as Record<string, string[]>;
  const cached = cache[key];
  if (cached) return new Set(cached);

  const args = [
    'ls',
    '--resource-type',
    'model',
    '--output',
    'json',
    '--output-keys',
    'unique_id',
    '--quiet',
  ];
  args.push('--target-path', join(dir, 'target'));
  if (selectors.select.length > 0) args.push('--select', ...selectors.select);
  if (selectors.exclude.length > 0) args.push('--exclude', ...selectors.exclude);
  if (selectors.selector) args.push('--selector', selectors.selector);
  if (selectors.state) args.push('--state', selectors.state);
  const ids: string[] = [];
  const said: string[] = [];
  // execa (≈100 modules) loads only when a selection needs dbt itself, not on every sync.
  const { runDbt } = await import('./runner.js');
  const { exitCode } = await runDbt(args, {
    projectDir: location.projectDir,
    ...(location.profilesDir ? { profilesDir: location.profilesDir } : {}),
    target: location.target,
    stdio: 'pipe',
    onLine: (line) => {
      const id = line.startsWith('{') ? (JSON.parse(line) as { unique_id?: unknown }).unique_id : undefined;
      if (typeof id === 'string') ids.push(id);
      else if (line.trim()) said.push(line.replace(/^\S*\d\d:\d\d:\d\d\s+/, '').trim());
    },
  });
  if (exitCode !== 0) {
    throw new SpokeError(
      'SPOKE_USAGE',
      `dbt could not resolve the selection (dbt ls exited ${exitCode}): ${said.join(' ') || 'no message'}. Fix --select/--exclude/--selector as for dbt.`,
    );
  }
  await mkdir(dir, { recursive: true });
  // The newest answers only: a manifest's selections are worthless once dbt writes another.
  const kept = Object.entries({ ...cache, [key]: ids }).slice(-CACHED_SELECTIONS);
  await writeFile(cacheFile, JSON.stringify(Object.fromEntries(kept)));
  return new Set(ids);
}
