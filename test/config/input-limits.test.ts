import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildSyncSpecs } from '../../src/config/build-sync-specs.js';
import {
  MAX_FIELDS_PER_SYNC,
  MAX_SYNCS_PER_PROJECT,
  MAX_YAML_ALIASES,
} from '../../src/config/input-limits.js';
import { loadSpokeConfig } from '../../src/config/load-spoke-config.js';
import { ConfigError } from '../../src/errors.js';
import { exampleConfig, modelBlock } from './model-block.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function projectWith(spokeYml: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'spoke-limits-'));
  dirs.push(dir);
  await writeFile(path.join(dir, 'spoke.yml'), spokeYml);
  return dir;
}

/** Nine aliases per level, six levels: 9^6 = 531,441 copies of "lol" once expanded. */
const billionLaughs = `version: 1
a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
f: [*e, *e, *e, *e, *e, *e, *e, *e, *e]
`;

function withFields(count: number) {
  const block = modelBlock('crm_accounts', 'to: salesforce.Account\nkey: account_id\nmatch: Ext__c\n');
  const fields: Record<string, string> = {};
  for (let i = 0; i < count; i++) fields[`column_${i}`] = `Field_${i}__c`;
  (block.raw as Record<string, unknown>).fields = fields;
  return block;
}

describe('input limits', () => {
  it('refuses a YAML alias bomb in spoke.yml with a located configuration error', async () => {
    const dir = await projectWith(billionLaughs);
    const error = await loadSpokeConfig({ projectDir: dir, target: 'dev' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    const [diagnostic] = (error as ConfigError).diagnostics;
    expect(diagnostic?.file).toBe('spoke.yml:3');
    expect(diagnostic?.message).toContain(`more than ${MAX_YAML_ALIASES}`);
    expect(diagnostic?.fix).toContain('docs/limits.md');
  });

  it('still reads a spoke.yml that reuses an anchor a few times', async () => {
    const dir = await projectWith(`version: 1
destinations:
  hubspot: &hub { type: hubspot }
  hubspot_eu: *hub
targets:
  dev: &sandboxed { sandbox: true }
  ci: *sandboxed
`);
    const config = await loadSpokeConfig({ projectDir: dir, target: 'ci' });
    expect(Object.keys(config.destinations)).toEqual(['hubspot', 'hubspot_eu']);
    expect(config.sandbox).toEqual({});
  });

  it('refuses a sync with 150,000 fields with one located diagnostic instead of overflowing the stack', () => {
    const { specs, diagnostics } = buildSyncSpecs([withFields(150_000)], exampleConfig);
    expect(specs).toEqual([]);
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({
      file: 'models/crm/schema.yml',
      model: 'crm_accounts',
      field: 'spoke[0].fields',
    });
    expect(diagnostics[0]!.message).toContain('150000');
    expect(diagnostics[0]!.message).toContain(String(MAX_FIELDS_PER_SYNC));
    expect(diagnostics[0]!.fix).toMatch(/split/);
  });

  it('accepts a sync at exactly the field limit', () => {
    const { specs, diagnostics } = buildSyncSpecs([withFields(MAX_FIELDS_PER_SYNC)], exampleConfig);
    expect(diagnostics).toEqual([]);
    expect(specs[0]!.fields).toHaveLength(MAX_FIELDS_PER_SYNC);
  });

  it('refuses a project with more syncs than the limit, naming the first block beyond it', () => {
    const block = (i: number) =>
      `{ to: hubspot.contacts, key: id, match: ext_id, name: sync_${i}, fields: { email: email } }`;
    const perModel = 100;
    const models = Array.from({ length: MAX_SYNCS_PER_PROJECT / perModel + 1 }, (_, m) =>
      modelBlock(
        `model_${m}`,
        `[${Array.from({ length: perModel }, (_, i) => block(m * perModel + i)).join(', ')}]`,
      ),
    );
    const { specs, diagnostics } = buildSyncSpecs(models, exampleConfig);
    expect(specs).toEqual([]);
    expect(diagnostics).toEqual([
      expect.objectContaining({
        model: `model_${MAX_SYNCS_PER_PROJECT / perModel}`,
        field: 'spoke[0]',
        message: expect.stringContaining(`${MAX_SYNCS_PER_PROJECT + perModel} syncs`),
      }),
    ]);
    expect(buildSyncSpecs(models.slice(0, -1), exampleConfig).diagnostics).toEqual([]);
  });
});
