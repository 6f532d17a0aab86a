import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildSyncSpecs } from '../../src/config/build-sync-specs.js';
import { loadSpokeConfig } from '../../src/config/load-spoke-config.js';
import { ConfigError } from '../../src/errors.js';
import { exampleConfig, modelBlock } from './model-block.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function load(spokeYml: string, target = 'dev') {
  const dir = await mkdtemp(path.join(tmpdir(), 'spoke-keys-'));
  dirs.push(dir);
  await writeFile(path.join(dir, 'spoke.yml'), spokeYml);
  return loadSpokeConfig({ projectDir: dir, target, env: {} });
}

/** A block as dbt writes it to manifest.json, parsed the way dbt-spoke parses the manifest. */
function fromManifestJson(json: string) {
  return modelBlock('crm_accounts', '{}', { raw: JSON.parse(json) });
}

describe('unusual keys', () => {
  it('refuses a `__proto__` column in fields instead of dropping it silently', () => {
    const block = fromManifestJson(
      '{"to":"salesforce.Account","key":"account_id","match":"Ext__c","fields":{"__proto__":"Name","plan":"Plan__c"}}',
    );
    const { specs, diagnostics } = buildSyncSpecs([block], exampleConfig);
    expect(specs).toEqual([]);
    expect(diagnostics).toEqual([
      expect.objectContaining({
        file: 'models/crm/schema.yml',
        model: 'crm_accounts',
        field: 'spoke[0].fields.__proto__',
        message: expect.stringContaining('`__proto__` cannot be used as a key'),
        fix: expect.stringContaining('rename the column'),
      }),
    ]);
  });

  it('keeps columns and fields named like Object.prototype members exactly', () => {
    const block = fromManifestJson(
      '{"to":"hubspot.contacts","key":"constructor","match":"toString","fields":{"constructor":"hasOwnProperty","valueOf":"name"}}',
    );
    const { specs, diagnostics } = buildSyncSpecs([block], exampleConfig);
    expect(diagnostics).toEqual([]);
    expect(specs[0]!.fields).toEqual([
      { column: 'constructor', field: 'hasOwnProperty' },
      { column: 'valueOf', field: 'name' },
    ]);
  });

  it('refuses `__proto__` as a target name in spoke.yml with its line, not "expected a mapping, got a mapping"', async () => {
    const error = await load(
      'version: 1\ndestinations:\n  hubspot: { type: hubspot }\ntargets:\n  __proto__: { sandbox: true }\n',
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    const diagnostics = (error as ConfigError).diagnostics;
    expect(diagnostics).toEqual([
      expect.objectContaining({
        file: 'spoke.yml:5',
        field: 'targets.__proto__',
        message: expect.stringContaining('`__proto__` cannot be used as a key'),
        fix: 'rename the key',
      }),
    ]);
    expect(JSON.stringify(diagnostics)).not.toContain('got a mapping');
  });

  it('refuses `__proto__` as a destination name', async () => {
    const error = await load('version: 1\ndestinations:\n  __proto__: { type: hubspot }\n').catch(
      (e: unknown) => e,
    );
    expect((error as ConfigError).diagnostics.map((d) => d.field)).toEqual(['destinations.__proto__']);
  });

  it('treats destinations and targets named `constructor` or `toString` as ordinary names', async () => {
    const yml = `version: 1
destinations:
  constructor: { type: hubspot, access_token: "{{ env_var('HS', 'x') }}" }
targets:
  toString: { sandbox: true }
`;
    const routed = await load(yml, 'toString');
    expect(routed.sandbox).toEqual({});
    expect(Object.keys(routed.destinations)).toEqual(['constructor']);
    expect(routed.destinations.constructor).toMatchObject({ name: 'constructor', type: 'hubspot' });

    // A target that spoke.yml does not list gets no settings, not Object.prototype's.
    const unlisted = await load(yml, 'valueOf');
    expect(unlisted.sandbox).toBeNull();
    expect(unlisted.destinations.toString).toBeUndefined();

    const { specs, diagnostics } = buildSyncSpecs(
      [modelBlock('m', '{ to: toString.contacts, key: id, match: ext_id }')],
      routed,
    );
    expect(specs).toEqual([]);
    expect(diagnostics[0]?.message).toContain('destination `toString` is not defined');
  });
});
