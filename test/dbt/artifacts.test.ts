import { cp, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assertSameInvocation,
  loadArtifacts,
  parseManifest,
  parseRunResults,
} from '../../src/dbt/artifacts.js';
import { modelSpokeBlocks } from '../../src/dbt/spoke-meta.js';
import { SpokeError } from '../../src/errors.js';
import { dbt, makeDbtProject, readJson, removeDir } from './dbt-project.js';

const SCHEMA_YML = `version: 2
models:
  - name: crm_accounts
    config:
      meta:
        spoke:
          destination: salesforce
          object: Account
    columns:
      - name: account_id
      - name: account_name
  - name: crm_contacts
    meta:
      spoke:
        destination: hubspot
        object: contacts
    columns:
      - name: user_id
  - name: old_contacts
    config:
      enabled: false
      meta:
        spoke: {destination: hubspot, object: contacts}
`;

let projectDir: string | undefined;
let buildTarget: string;
let parseTarget: string;

async function rawBuildManifest(): Promise<Record<string, unknown>> {
  return (await readJson(join(buildTarget, 'manifest.json'))) as Record<string, unknown>;
}

function withSchemaVersion(json: Record<string, unknown>, url: string): Record<string, unknown> {
  return { ...json, metadata: { ...(json.metadata as object), dbt_schema_version: url } };
}

function errorOf(fn: () => unknown): SpokeError {
  try {
    fn();
  } catch (error) {
    if (error instanceof SpokeError) return error;
    throw error;
  }
  throw new Error('expected a SpokeError');
}

beforeAll(async () => {
  projectDir = await makeDbtProject({
    'models/crm_accounts.sql':
      "{{ config(materialized='table') }}\nselect 'acc_0001' as account_id, 'Acme' as account_name",
    'models/crm_contacts.sql': "select 'usr_00001' as user_id, account_id from {{ ref('crm_accounts') }}",
    'models/crm_leads.sql':
      "{{ config(materialized='ephemeral', meta={'spoke': {'destination': 'hubspot', 'object': 'leads'}}) }}\nselect 1 as lead_id",
    'models/old_contacts.sql': 'select 1 as id',
    'models/internal_stats.sql': 'select 42 as n',
    'models/schema.yml': SCHEMA_YML,
  });
  const build = await dbt(projectDir, ['build']);
  expect(build.exitCode, build.output).toBe(0);
  buildTarget = join(projectDir, 'build-target');
  await cp(join(projectDir, 'target'), buildTarget, { recursive: true });
  // `dbt parse` rewrites manifest.json but leaves the previous run_results.json in place.
  const parse = await dbt(projectDir, ['parse']);
  expect(parse.exitCode, parse.output).toBe(0);
  parseTarget = join(projectDir, 'target');
});

afterAll(() => removeDir(projectDir));

describe('loadArtifacts with artifacts written by real dbt', () => {
  it('reads the manifest and run results of one dbt build', async () => {
    const { manifest, runResults } = await loadArtifacts(buildTarget);
    expect(manifest.metadata.schema_version).toBe(12);
    expect(manifest.metadata.adapter_type).toBe('duckdb');
    expect(manifest.metadata.project_name).toBe('fixture');
    expect(runResults?.metadata.schema_version).toBe(6);
    expect(runResults?.metadata.invocation_id).toBe(manifest.metadata.invocation_id);
    expect(runResults?.args.which).toBe('build');

    const contacts = manifest.nodes['model.fixture.crm_contacts'];
    expect(contacts).toMatchObject({
      resource_type: 'model',
      package_name: 'fixture',
      database: 'warehouse',
      schema: 'main',
      alias: 'crm_contacts',
      relation_name: '"warehouse"."main"."crm_contacts"',
      original_file_path: 'models/crm_contacts.sql',
      patch_path: 'fixture://models/schema.yml',
      config: { materialized: 'view', enabled: true },
      depends_on: { nodes: ['model.fixture.crm_accounts'] },
    });
    expect(contacts?.checksum.name).toBe('sha256');
    expect(Object.keys(manifest.disabled)).toEqual(['model.fixture.old_contacts']);
    expect(runResults?.results.map((r) => [r.unique_id, r.status]).sort()).toEqual([
      ['model.fixture.crm_accounts', 'success'],
      ['model.fixture.crm_contacts', 'success'],
      ['model.fixture.internal_stats', 'success'],
    ]);
  });

  it('drops keys dbt-spoke does not use, and keeps the fqn selection needs', async () => {
    const { manifest } = await loadArtifacts(buildTarget);
    const node = manifest.nodes['model.fixture.crm_accounts'] as unknown as Record<string, unknown>;
    expect(node.fqn).toEqual(['fixture', 'crm_accounts']);
    expect(node.unrendered_config).toBeUndefined();
    expect(node.compiled_code).toBeUndefined();
  });

  it('returns null run results when only a manifest exists', async () => {
    const dir = join(projectDir!, 'manifest-only');
    await mkdir(dir, { recursive: true });
    await cp(join(buildTarget, 'manifest.json'), join(dir, 'manifest.json'));
    const { manifest, runResults } = await loadArtifacts(dir);
    expect(manifest.nodes['model.fixture.crm_accounts']).toBeDefined();
    expect(runResults).toBeNull();
  });

  it('says to run dbt first when the manifest is missing', async () => {
    const dir = join(projectDir!, 'empty-target');
    await mkdir(dir, { recursive: true });
    await expect(loadArtifacts(dir)).rejects.toMatchObject({
      code: 'SPOKE_ARTIFACTS_MISSING',
      message: expect.stringMatching(
        /empty-target\/manifest\.json does not exist\. Run dbt first.*spoke dbt build/,
      ),
    });
  });

  it('names the file when it is not valid JSON', async () => {
    const dir = join(projectDir!, 'broken-target');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'manifest.json'), '{"metadata": ');
    await expect(loadArtifacts(dir)).rejects.toMatchObject({
      message: expect.stringContaining(`${join(dir, 'manifest.json')} is not valid JSON`),
    });
  });

  it('refuses run results left over from an earlier invocation, naming both invocation ids', async () => {
    const built = await loadArtifacts(buildTarget);
    const { manifest, runResults } = await loadArtifacts(parseTarget);
    expect(runResults).not.toBeNull();
    const error = errorOf(() => assertSameInvocation(manifest, runResults!));
    expect(error.code).toBe('SPOKE_ARTIFACTS_MISMATCH');
    expect(error.message).toContain(manifest.metadata.invocation_id!);
    expect(error.message).toContain(built.manifest.metadata.invocation_id!);
    expect(error.message).toContain('Run dbt again so both files come from one invocation');
    expect(() => assertSameInvocation(built.manifest, built.runResults!)).not.toThrow();
  });
});

describe('schema version dispatch', () => {
  it('accepts manifest v10, v11 and v12 and run results v4, v5 and v6', async () => {
    const manifest = await rawBuildManifest();
    for (const version of [10, 11, 12]) {
      const url = `https://schemas.getdbt.com/dbt/manifest/v${version}.json`;
      expect(parseManifest(withSchemaVersion(manifest, url), 'm.json').metadata.schema_version).toBe(version);
    }
    const runResults = (await readJson(join(buildTarget, 'run_results.json'))) as Record<string, unknown>;
    for (const version of [4, 5, 6]) {
      const url = `https://schemas.getdbt.com/dbt/run-results/v${version}.json`;
      expect(parseRunResults(withSchemaVersion(runResults, url), 'r.json').metadata.schema_version).toBe(
        version,
      );
    }
  });

  it('refuses a newer manifest schema, naming the file, the version, the supported range and the fix', async () => {
    const json = withSchemaVersion(
      await rawBuildManifest(),
      'https://schemas.getdbt.com/dbt/manifest/v13.json',
    );
    const error = errorOf(() => parseManifest(json, '/p/target/manifest.json'));
    expect(error.code).toBe('SPOKE_MANIFEST_VERSION');
    expect(error.message).toBe(
      '/p/target/manifest.json uses manifest schema v13; dbt-spoke reads manifest v10 to v12 (dbt 1.6 and newer). Upgrade dbt-spoke to a version that reads it, or use a dbt version that writes a supported schema.',
    );
  });

  it('refuses manifests older than dbt 1.6 and tells to upgrade dbt', async () => {
    const json = withSchemaVersion(
      await rawBuildManifest(),
      'https://schemas.getdbt.com/dbt/manifest/v9.json',
    );
    expect(() => parseManifest(json, 'manifest.json')).toThrow(/schema v9.*Upgrade dbt to 1\.6 or newer/);
  });

  it('refuses run results v7 and a run results file passed as a manifest', async () => {
    const runResults = (await readJson(join(buildTarget, 'run_results.json'))) as Record<string, unknown>;
    const v7 = withSchemaVersion(runResults, 'https://schemas.getdbt.com/dbt/run-results/v7.json');
    expect(() => parseRunResults(v7, 'run_results.json')).toThrow(/run-results schema v7/);
    expect(() => parseManifest(runResults, 'manifest.json')).toThrow(
      /is a dbt run-results file, not a manifest/,
    );
  });

  it('refuses JSON without a schema version', () => {
    expect(() => parseManifest({ nodes: {} }, 'manifest.json')).toThrow(
      /manifest\.json has no recognisable metadata\.dbt_schema_version/,
    );
  });
});

describe('modelSpokeBlocks', () => {
  it('finds spoke in config.meta and in legacy top-level meta, keeps ephemeral models, skips disabled ones', async () => {
    const { manifest } = await loadArtifacts(buildTarget);
    const blocks = modelSpokeBlocks(manifest);
    expect(blocks.map((b) => b.name).sort()).toEqual(['crm_accounts', 'crm_contacts', 'crm_leads']);
    expect(blocks.find((b) => b.name === 'crm_accounts')).toEqual({
      uniqueId: 'model.fixture.crm_accounts',
      name: 'crm_accounts',
      packageName: 'fixture',
      file: 'models/schema.yml',
      relation: { database: 'warehouse', schema: 'main', identifier: 'crm_accounts' },
      relationName: '"warehouse"."main"."crm_accounts"',
      materialized: 'table',
      raw: { destination: 'salesforce', object: 'Account' },
      columns: ['account_id', 'account_name'],
    });
    expect(blocks.find((b) => b.name === 'crm_contacts')?.raw).toEqual({
      destination: 'hubspot',
      object: 'contacts',
    });
    expect(blocks.find((b) => b.name === 'crm_leads')).toMatchObject({
      file: 'models/crm_leads.sql',
      materialized: 'ephemeral',
      relationName: null,
      columns: [],
    });
  });

  it('lets config.meta.spoke win wholesale over a different top-level meta.spoke', async () => {
    const raw = await rawBuildManifest();
    const nodes = raw.nodes as Record<string, Record<string, unknown>>;
    const node = nodes['model.fixture.crm_accounts']!;
    node.meta = { spoke: { destination: 'hubspot', object: 'companies', key: 'account_id' } };
    const blocks = modelSpokeBlocks(parseManifest(raw, 'manifest.json'));
    expect(blocks.find((b) => b.name === 'crm_accounts')?.raw).toEqual({
      destination: 'salesforce',
      object: 'Account',
    });
  });

  it('reports Windows paths with forward slashes and without the package prefix', async () => {
    const raw = await rawBuildManifest();
    const nodes = raw.nodes as Record<string, Record<string, unknown>>;
    nodes['model.fixture.crm_accounts']!.patch_path = 'fixture://models\\crm\\schema.yml';
    nodes['model.fixture.crm_contacts']!.patch_path = null;
    nodes['model.fixture.crm_contacts']!.original_file_path = 'models\\crm\\crm_contacts.sql';
    const blocks = modelSpokeBlocks(parseManifest(raw, 'manifest.json'));
    expect(blocks.find((b) => b.name === 'crm_accounts')?.file).toBe('models/crm/schema.yml');
    expect(blocks.find((b) => b.name === 'crm_contacts')?.file).toBe('models/crm/crm_contacts.sql');
  });
});
