import { type StandardError, validationError } from './errors.js';
import type { PropertyProblem } from './validate.js';

export const MAX_BATCH_INPUTS = 100;

/** Reads `inputs` from a batch body, refusing what HubSpot refuses before touching any record. */
export function readInputs(body: unknown): Record<string, unknown>[] {
  const inputs = (body as { inputs?: unknown } | undefined)?.inputs;
  if (!Array.isArray(inputs)) throw validationError('Invalid input JSON: "inputs" must be an array.');
  if (inputs.length > MAX_BATCH_INPUTS) {
    throw validationError(
      `Batch input size ${inputs.length} exceeds the limit of ${MAX_BATCH_INPUTS} inputs per request.`,
      { context: { limit: [String(MAX_BATCH_INPUTS)] } },
    );
  }
  return inputs.map((input, i) => {
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
      throw validationError(`Invalid input JSON: inputs[${i}] must be an object.`);
    }
    return input as Record<string, unknown>;
  });
}

export function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
}

/** HubSpot refuses a batch naming the same record twice. */
export function refuseDuplicateIds(ids: string[]): void {
  const seen = new Set<string>();
  const duplicates = new Set<string>();
  for (const id of ids) {
    if (seen.has(id)) duplicates.add(id);
    seen.add(id);
  }
  if (duplicates.size > 0) {
    throw validationError(
      `Duplicate IDs found in batch input: [${[...duplicates].join(', ')}]. IDs must be unique`,
      {
        context: { ids: [...duplicates] },
      },
    );
  }
}

/** Who an error is about, so a caller can map it back to its input. */
export interface InputRef {
  id?: string;
  objectWriteTraceId?: string;
}

function refContext(ref: InputRef): Record<string, string[]> {
  return {
    ...(ref.id !== undefined ? { ids: [ref.id] } : {}),
    ...(ref.objectWriteTraceId !== undefined ? { objectWriteTraceId: [ref.objectWriteTraceId] } : {}),
  };
}

/** A per-input error from property validation or a unique-value conflict. */
export function propertyError(problems: PropertyProblem[], ref: InputRef): StandardError {
  const conflict = problems.every((p) => p.code === 'CONFLICT');
  const summary = problems.map((p) => ({
    isValid: false,
    message: p.message,
    error: p.code,
    name: p.propertyName,
  }));
  return {
    status: 'error',
    category: conflict ? 'CONFLICT' : 'VALIDATION_ERROR',
    message: conflict
      ? (problems[0]?.message ?? 'Conflict')
      : `Property values were not valid: ${JSON.stringify(summary)}`,
    context: refContext(ref),
    errors: problems.map((p) => ({
      message: p.message,
      code: p.code,
      context: { propertyName: [p.propertyName] },
    })),
    links: {},
  };
}

export function notFoundError(objectSingular: string, ids: string[], traceIds: string[] = []): StandardError {
  return {
    status: 'error',
    category: 'OBJECT_NOT_FOUND',
    message: `Could not get some ${objectSingular} objects, they may be deleted or not exist. Check that ids are valid.`,
    context: { ids, ...(traceIds.length > 0 ? { objectWriteTraceId: traceIds } : {}) },
    errors: [],
    links: {},
  };
}

export function batchResponse(results: unknown[], errors: StandardError[]) {
  const now = new Date().toISOString();
  return {
    status: 'COMPLETE',
    results,
    ...(errors.length > 0 ? { numErrors: errors.length, errors } : {}),
    startedAt: now,
    completedAt: now,
  };
}
