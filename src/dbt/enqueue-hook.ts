import { isMap, isScalar, isSeq, parseDocument } from 'yaml';
import { SpokeError } from '../errors.js';
import { appendToList } from './yaml-append.js';

export const ENQUEUE_HOOK = '{{ spoke.enqueue(results) }}';

/**
 * dbt_project.yml with the `spoke.enqueue(results)` on-run-end hook appended to the hooks it
 * already has, or null when it is there. The rest of the file is kept as written.
 */
export function withEnqueueHook(file: string, text: string): string | null {
  const doc = parseDocument(text);
  if (doc.errors.length > 0 || !isMap(doc.contents)) {
    throw new SpokeError(
      'SPOKE_USAGE',
      `${file} is not a valid dbt project file${doc.errors[0] ? `: ${doc.errors[0].message}` : ''}. Fix it, then run spoke init again.`,
    );
  }
  const existing = doc.get('on-run-end', true);
  const hooks = isSeq(existing) ? existing.items : existing === undefined ? [] : [existing];
  if (hooks.some((hook) => isScalar(hook) && String(hook.value).includes('spoke.enqueue'))) return null;
  try {
    return appendToList(text, 'on-run-end', {
      block: JSON.stringify(ENQUEUE_HOOK),
      flow: JSON.stringify(ENQUEUE_HOOK),
      comment: 'dbt-spoke: queue the models this invocation built (spoke serve / spoke sync --from-queue)',
    });
  } catch (error) {
    throw new SpokeError(
      'SPOKE_USAGE',
      `${file}: on-run-end ${(error as Error).message}. Add - "${ENQUEUE_HOOK}" to it yourself, or run spoke init --no-hook.`,
    );
  }
}
