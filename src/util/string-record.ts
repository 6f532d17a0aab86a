import { z } from 'zod';

/**
 * A mapping from any string key to `value`, for names users choose (columns, destinations,
 * targets, meta keys). zod's z.record refuses an object with its own `constructor` key
 * ("expected record") because it checks for a plain object through `constructor`; an object
 * schema with a catchall reads every own key. Its JSON Schema is the same mapping.
 */
export function stringRecord<T extends z.ZodType>(value: T) {
  return z.object({}).catchall(value);
}
