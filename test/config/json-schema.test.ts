import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { jsonSchemaFiles, spokeMetaJsonSchema, spokeYmlJsonSchema } from '../../src/config/json-schema.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

describe('JSON Schema', () => {
  it.each(jsonSchemaFiles())('committed $path is what `npm run schema` writes', async ({
    path: file,
    content,
  }) => {
    const committed = await readFile(path.join(root, file), 'utf8').catch(() => '(missing)');
    expect(committed === content, `${file} is out of date with the zod schemas: run \`npm run schema\``).toBe(
      true,
    );
  });

  it('documents every key a user can write and refuses unknown ones', () => {
    const meta = JSON.stringify(spokeMetaJsonSchema());
    for (const key of ['to', 'key', 'match', 'mode', 'fields', 'associations', 'after', 'name', 'on_null']) {
      expect(meta).toContain(`"${key}":{"description":`);
    }
    expect(meta).toContain('"additionalProperties":false');
    const yml = spokeYmlJsonSchema() as { required?: string[]; properties: Record<string, unknown> };
    expect(yml.required).toEqual(['version']);
    expect(Object.keys(yml.properties)).toEqual(['version', 'destinations', 'targets', 'state', 'alerts']);
  });
});
