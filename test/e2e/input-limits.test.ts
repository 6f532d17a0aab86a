import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbt, editSpokeBlocks } from '../support/example-edits.js';
import { copyExampleProject, runSpoke } from '../support/spoke-cli.js';

const billionLaughs = `version: 1
a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
f: [*e, *e, *e, *e, *e, *e, *e, *e, *e]
`;

describe('input that cannot be read', () => {
  let project: Awaited<ReturnType<typeof copyExampleProject>>;
  let spokeYml: string;

  beforeAll(async () => {
    project = await copyExampleProject();
    spokeYml = await readFile(join(project.dir, 'spoke.yml'), 'utf8');
    await editSpokeBlocks(project.dir, ({ accounts }) => {
      // An own key, as YAML and JSON parsers define it (assignment would set the prototype).
      Object.defineProperty(accounts[0]!.fields, '__proto__', { value: 'Description', enumerable: true });
    });
    expect(await dbt(project.dir, ['parse'])).toBe(0);
  });
  afterAll(async () => {
    await project?.cleanup();
  });

  it('stops at a YAML alias bomb in spoke.yml with exit 2 and its line, not an internal error', async () => {
    await writeFile(join(project.dir, 'spoke.yml'), billionLaughs);
    try {
      const result = await runSpoke(['validate'], { cwd: project.dir });
      expect(result.exitCode).toBe(2);
      expect(result.stderr).toMatch(/SPOKE_CONFIG_INVALID/);
      expect(result.stderr).toMatch(/spoke\.yml:3: its aliases .* expand to more than 100 copies/);
      expect(result.stderr).not.toMatch(/please report/i);
    } finally {
      await writeFile(join(project.dir, 'spoke.yml'), spokeYml);
    }
  });

  it('refuses a `__proto__` column that dbt wrote into the manifest, naming file, model and field', async () => {
    const result = await runSpoke(['validate'], { cwd: project.dir });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(
      /models\/marts\/schema\.yml: model crm_accounts: spoke\[0\]\.fields\.__proto__: `__proto__` cannot be used as a key.* Fix: rename the column/,
    );
  });

  it('refuses a sync of 150,000 fields with exit 2 and a located error, not a stack overflow', async () => {
    // dbt copies meta into manifest.json as written; writing it there spares dbt parsing 150k lines.
    const manifestFile = join(project.dir, 'target', 'manifest.json');
    const manifest = JSON.parse(await readFile(manifestFile, 'utf8'));
    const node = manifest.nodes['model.spoke_example.crm_accounts'];
    node.config.meta.spoke[0].fields = Object.fromEntries(
      Array.from({ length: 150_000 }, (_, i) => [`column_${i}`, `Field_${i}__c`]),
    );
    await writeFile(manifestFile, JSON.stringify(manifest));

    const result = await runSpoke(['validate'], { cwd: project.dir });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(
      /models\/marts\/schema\.yml: model crm_accounts: spoke\[0\]\.fields: this sync maps 150000 fields.* at most 2000 per sync/,
    );
    expect(result.stderr).not.toMatch(/Maximum call stack|please report/i);
  });
});
