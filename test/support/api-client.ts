import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

export interface ApiAnswer<T = unknown> {
  status: number;
  body: T;
  text: string;
  headers: Headers;
  ms: number;
}

interface OpenApi {
  paths: Record<
    string,
    Record<string, { responses: Record<string, { content?: Record<string, { schema: object }> }> }>
  >;
}

/** A client of a running `spoke serve`: real HTTP, and each answer checked against /openapi.json. */
export async function apiClient(url: string, token: string) {
  const call = async <T>(path: string, init: { method?: string; body?: unknown; accept?: string } = {}) => {
    const started = performance.now();
    const response = await fetch(`${url}${path}`, {
      method: init.method ?? 'GET',
      headers: {
        authorization: `Bearer ${token}`,
        ...(init.accept ? { accept: init.accept } : {}),
        ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    });
    const text = await response.text();
    const ms = performance.now() - started;
    const json = response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : undefined;
    return { status: response.status, body: json as T, text, headers: response.headers, ms };
  };
  const openapi = (await call<OpenApi>('/openapi.json')).body;
  const ajv = new Ajv2020.default({ strict: false, allErrors: true });
  addFormats.default(ajv);

  /** Null when the answer is what the document says this route answers with this status; else why not. */
  const undocumented = (method: string, route: string, answer: ApiAnswer): string | null => {
    const documented = openapi.paths[route]?.[method.toLowerCase()]?.responses[String(answer.status)];
    if (!documented) return `${method} ${route} ${answer.status} is not documented`;
    const schema = documented.content?.['application/json']?.schema;
    if (!schema || answer.body === undefined) return null;
    const validate = ajv.compile(schema);
    return validate(answer.body) ? null : JSON.stringify(validate.errors);
  };
  return { call, openapi, undocumented };
}
