import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { repoRoot } from './spoke-cli.js';

/**
 * HubSpot's official OpenAPI files, read where they are kept (their licence forbids copying them
 * into this repository): `SPOKE_REFERENCE_DIR`, else ../shared/reference beside the checkout.
 */
export const referenceDir = process.env.SPOKE_REFERENCE_DIR ?? join(repoRoot, '..', 'shared', 'reference');

interface OpenApi {
  paths: Record<
    string,
    Record<string, { responses: Record<string, { content?: Record<string, { schema: unknown }> }> }>
  >;
  components: unknown;
}

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/** Validators of the responses an endpoint of one spec file declares, by path, method and status. */
export async function openApiResponses(file: string) {
  const path = join(referenceDir, 'hubspot-openapi', file);
  const spec = JSON.parse(
    await readFile(path, 'utf8').catch((error: unknown) => {
      throw new Error(
        `HubSpot's OpenAPI file is expected at ${path} (set SPOKE_REFERENCE_DIR): ${String(error)}`,
      );
    }),
  ) as OpenApi;
  // OpenAPI 3.0 carries keywords JSON Schema does not know (`example`); they describe, not constrain.
  const ajv = addFormats(new Ajv({ strict: false, allErrors: true }));
  ajv.addSchema({ $id: file, components: spec.components });
  const cache = new Map<string, ValidateFunction>();
  return (apiPath: string, method: string, status: number, body: unknown): string[] => {
    const key = `${method} ${apiPath} ${status}`;
    let validate = cache.get(key);
    if (!validate) {
      const response = spec.paths[apiPath]?.[method.toLowerCase()]?.responses[String(status)];
      const schema = response?.content?.['application/json']?.schema as { $ref?: string } | undefined;
      if (!schema?.$ref) throw new Error(`${file} declares no JSON response for ${key}`);
      validate = ajv.compile({ $ref: `${file}${schema.$ref}` });
      cache.set(key, validate);
    }
    return validate(body)
      ? []
      : (validate.errors ?? []).map((error) => `${error.instancePath || '/'} ${error.message ?? ''}`);
  };
}
