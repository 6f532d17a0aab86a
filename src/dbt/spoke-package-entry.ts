import { isMap, isSeq, parseDocument } from 'yaml';
import { SpokeError } from '../errors.js';
import { appendToList } from './yaml-append.js';

export type PackageEntry = Record<string, unknown>;

/**
 * packages.yml (or dependencies.yml) with the `spoke` dbt package added as a local package, or
 * null when an entry already refers to it. The rest of the file is kept as written.
 */
export function withSpokePackage(
  file: string,
  text: string | null,
  localPath: string,
  refersToSpoke: (entry: PackageEntry) => boolean,
): string | null {
  const doc = parseDocument(text ?? '');
  if (doc.errors.length > 0 || (doc.contents !== null && !isMap(doc.contents))) {
    throw new SpokeError(
      'SPOKE_USAGE',
      `${file} is not a valid YAML mapping${doc.errors[0] ? `: ${doc.errors[0].message}` : ''}. Fix it, then run spoke init again.`,
    );
  }
  const packages = doc.get('packages', true);
  if (packages !== undefined && packages !== null && !isSeq(packages)) {
    throw new SpokeError(
      'SPOKE_USAGE',
      `${file}: \`packages\` is not a list. Make it a list of packages, then run spoke init again.`,
    );
  }
  const entries = isSeq(packages) ? packages.items : [];
  if (entries.some((item) => isMap(item) && refersToSpoke(item.toJSON() as PackageEntry))) return null;
  const path = JSON.stringify(localPath);
  return appendToList(text ?? '', 'packages', {
    block: `local: ${path}`,
    flow: `{local: ${path}}`,
    comment: 'dbt-spoke: its on-run-end macro queues the models each dbt invocation built',
  });
}
