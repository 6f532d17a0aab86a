import { z } from 'zod';
import { spokeMetaSchema } from './meta-schema.js';
import { spokeYmlSchema } from './spoke-yml-schema.js';

function toJsonSchema(schema: z.ZodType, title: string): Record<string, unknown> {
  // Input side: what users type, so keys with defaults are optional.
  const generated = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'throw' });
  return { $schema: generated.$schema, title, ...generated };
}

/** JSON Schema of a model's `config.meta.spoke` value (editors, docs). */
export function spokeMetaJsonSchema(): Record<string, unknown> {
  return toJsonSchema(spokeMetaSchema, 'dbt-spoke model meta (config.meta.spoke)');
}

/** JSON Schema of spoke.yml (editors: `# yaml-language-server: $schema=...`). */
export function spokeYmlJsonSchema(): Record<string, unknown> {
  return toJsonSchema(spokeYmlSchema, 'dbt-spoke spoke.yml');
}

/** Files `npm run schema` writes, relative to the repository root, with their exact content. */
export function jsonSchemaFiles(): Array<{ path: string; content: string }> {
  return [
    {
      path: 'schemas/spoke-meta.schema.json',
      content: `${JSON.stringify(spokeMetaJsonSchema(), null, 2)}\n`,
    },
    { path: 'schemas/spoke-yml.schema.json', content: `${JSON.stringify(spokeYmlJsonSchema(), null, 2)}\n` },
  ];
}
