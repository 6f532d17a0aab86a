/**
 * Parses every real dbt artifact set below a directory and cross-checks the parser against an
 * independent count on the raw JSON. Usage: npm run test:compat [dir]
 * (default: ../shared/dbt-artifacts next to the repository). Exits 1 on any failure.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { assertSameInvocation, loadArtifacts } from '../../src/dbt/artifacts.js';
import { succeededModels } from '../../src/dbt/run-selection.js';
import { modelSpokeBlocks } from '../../src/dbt/spoke-meta.js';
import { SpokeError } from '../../src/errors.js';

type Counts = Record<string, number>;

// Raw shapes for the independent count, read without the parser.
interface RawNode {
  resource_type?: unknown;
  config?: { meta?: Record<string, unknown> };
  meta?: Record<string, unknown>;
}
interface RawManifest {
  nodes: Record<string, RawNode>;
  disabled?: Record<string, unknown[]>;
}
interface RawRunResults {
  results: { unique_id: string; status: unknown }[];
}

interface Row {
  set: string;
  versions: string;
  nodes: string;
  results: string;
  invocation: string;
  problems: string[];
}

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const root = resolve(process.argv[2] ?? join(repoRoot, '..', 'shared', 'dbt-artifacts'));

async function artifactDirs(dir: string): Promise<string[]> {
  const found: string[] = existsSync(join(dir, 'manifest.json')) ? [dir] : [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) found.push(...(await artifactDirs(join(dir, entry.name))));
  }
  return found.sort();
}

function tally(values: Iterable<string>): Counts {
  const counts: Counts = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}

function show(counts: Counts): string {
  return Object.entries(counts)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, n]) => `${key} ${n}`)
    .join(', ');
}

function sameCounts(label: string, parsed: Counts, raw: Counts, problems: string[]): void {
  if (show(parsed) !== show(raw))
    problems.push(`${label}: parser saw {${show(parsed)}}, raw JSON has {${show(raw)}}`);
}

async function readRaw<T>(file: string): Promise<T | null> {
  return existsSync(file) ? (JSON.parse(await readFile(file, 'utf8')) as T) : null;
}

async function check(dir: string): Promise<Row> {
  const row: Row = {
    set: relative(root, dir) || '.',
    versions: '',
    nodes: '',
    results: '-',
    invocation: '-',
    problems: [],
  };
  try {
    const { manifest, runResults } = await loadArtifacts(dir);
    const rawManifest = (await readRaw<RawManifest>(join(dir, 'manifest.json')))!;
    const rawRunResults = await readRaw<RawRunResults>(join(dir, 'run_results.json'));
    const rawNodes = Object.values(rawManifest.nodes);

    row.versions = `manifest v${manifest.metadata.schema_version}`;
    const nodeCounts = tally(Object.values(manifest.nodes).map((n) => n.resource_type));
    row.nodes = show(nodeCounts);
    sameCounts('nodes', nodeCounts, tally(rawNodes.map((n) => String(n.resource_type))), row.problems);
    const disabled = Object.values(manifest.disabled).flat().length;
    const rawDisabled = Object.values(rawManifest.disabled ?? {}).flat().length;
    if (disabled !== rawDisabled)
      row.problems.push(`disabled: parser saw ${disabled}, raw JSON has ${rawDisabled}`);

    const blocks = modelSpokeBlocks(manifest);
    const rawSpoke = rawNodes.filter(
      (n) =>
        n.resource_type === 'model' && (n.config?.meta?.spoke !== undefined || n.meta?.spoke !== undefined),
    ).length;
    if (blocks.length !== 0 || rawSpoke !== 0) {
      row.problems.push(`expected no spoke syncs, found ${blocks.length} (raw JSON: ${rawSpoke})`);
    }

    if (runResults && rawRunResults) {
      row.versions += `, run-results v${runResults.metadata.schema_version}`;
      const statusCounts = tally(runResults.results.map((r) => r.status));
      row.results = show(statusCounts);
      sameCounts(
        'statuses',
        statusCounts,
        tally(rawRunResults.results.map((r) => String(r.status))),
        row.problems,
      );
      try {
        assertSameInvocation(manifest, runResults);
        row.invocation = `same (${manifest.metadata.invocation_id?.slice(0, 8)}…)`;
        const unknown = runResults.results.filter((r) => !manifest.nodes[r.unique_id]).length;
        if (unknown > 0) row.problems.push(`${unknown} run result(s) name nodes missing from the manifest`);
        const { synced, excluded } = succeededModels(manifest, runResults);
        const rawModelResults = rawRunResults.results.filter(
          (r) => rawManifest.nodes[r.unique_id]?.resource_type === 'model',
        );
        const rawSuccess = rawModelResults.filter((r) => r.status === 'success').length;
        if (synced.size + excluded.size !== rawModelResults.length || synced.size > rawSuccess) {
          row.problems.push(
            `selection: ${synced.size} synced + ${excluded.size} excluded, raw JSON has ${rawModelResults.length} model results (${rawSuccess} success)`,
          );
        }
        row.invocation += `; sync ${synced.size}, excluded ${excluded.size}`;
      } catch (error) {
        if (!(error instanceof SpokeError) || error.code !== 'SPOKE_ARTIFACTS_MISMATCH') throw error;
        row.invocation = `refused: ${error.message}`;
      }
    }
  } catch (error) {
    row.problems.push(error instanceof Error ? error.message : String(error));
  }
  return row;
}

function printTable(rows: Row[]): void {
  const header = ['set', 'schemas', 'nodes', 'results', 'invocation', 'check'];
  const cells = rows.map((r) => [
    r.set,
    r.versions,
    r.nodes,
    r.results,
    r.invocation,
    r.problems.length === 0 ? 'ok' : 'FAIL',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => c.map((v, i) => v.padEnd(widths[i]!)).join(' | ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
  for (const c of cells) console.log(line(c));
  for (const r of rows) for (const p of r.problems) console.log(`FAIL ${r.set}: ${p}`);
}

const dirs = existsSync(root) ? await artifactDirs(root) : [];
if (dirs.length === 0) {
  console.error(`No manifest.json found below ${root}. Pass a directory of dbt artifact sets.`);
  process.exit(1);
}
const rows: Row[] = [];
for (const dir of dirs) rows.push(await check(dir));
printTable(rows);
const failed = rows.filter((r) => r.problems.length > 0).length;
console.log(`\n${rows.length - failed} of ${rows.length} artifact sets passed.`);
process.exit(failed > 0 ? 1 : 0);
