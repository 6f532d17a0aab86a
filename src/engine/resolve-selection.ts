import { type DbtSelectors, listSelectedModels, modelsByBareName, needsDbtList } from '../dbt/dbt-select.js';
import { ConfigError } from '../errors.js';
import { selectSyncs, spokeSelectorParts } from '../graph/select-syncs.js';
import type { SyncGraph } from '../graph/sync-graph.js';
import { closestMatches, formatList } from '../util/suggest.js';
import type { LoadedProject } from './load-project.js';

/** --select, --exclude, --selector and --state as a command received them. */
export interface SelectionArgs {
  select?: readonly string[];
  exclude?: readonly string[];
  selector?: string;
  state?: string;
}

export const hasSelection = (args: SelectionArgs): boolean =>
  Boolean(args.select?.length || args.exclude?.length || args.selector);

/**
 * The syncs a selection picks. Sync ids and `destination:<name>` are spoke's own selectors;
 * everything else goes to dbt's selector (`dbt ls`), so it means exactly what it means to dbt.
 * Bare model names are answered from the manifest by dbt's own rule, without starting dbt.
 */
export async function resolveSelection(project: LoadedProject, args: SelectionArgs): Promise<SyncGraph> {
  const ids = new Set(project.specs.map((spec) => spec.id));
  const isSpoke = (token: string) =>
    token.startsWith('destination:') || ids.has(spokeSelectorParts(token).name);
  const tokens = (list: readonly string[] | undefined) =>
    (list ?? []).flatMap((s) => s.split(/\s+/)).filter(Boolean);
  const select = tokens(args.select);
  const exclude = tokens(args.exclude);
  const dbt: DbtSelectors = {
    select: select.filter((token) => !isSpoke(token)),
    exclude: exclude.filter((token) => !isSpoke(token)),
    ...(args.selector ? { selector: args.selector } : {}),
    ...(args.state ? { state: args.state } : {}),
  };
  const location = {
    projectDir: project.projectDir,
    ...(project.profilesDir ? { profilesDir: project.profilesDir } : {}),
    target: project.target,
  };
  const spokeSelect = select.filter(isSpoke);
  const nothingForDbt = dbt.select.length === 0 && !dbt.selector;

  let models: Set<string>;
  if (nothingForDbt && spokeSelect.length > 0) models = new Set();
  else if (needsDbtList(dbt)) {
    // With only spoke selectors, dbt's --exclude is applied on its own below.
    models = await listSelectedModels(
      project.manifest,
      location,
      nothingForDbt ? { ...dbt, exclude: [] } : dbt,
    );
  } else models = new Set(dbt.select.flatMap((name) => modelsByBareName(project.manifest, name) ?? []));

  // A bare name dbt would match to no model is a typo worth naming; dbt itself says nothing.
  const unknown = dbt.select.filter((name) => modelsByBareName(project.manifest, name)?.length === 0);
  if (unknown.length > 0) {
    const names = [
      ...new Set(project.specs.flatMap((spec) => [spec.model, spec.id, `destination:${spec.destination}`])),
    ];
    throw new ConfigError(
      `--select matched no sync: ${unknown
        .map((name) => {
          const close = closestMatches(name, names, 3);
          return `\`${name}\`${close.length > 0 ? ` (did you mean ${formatList(close)}?)` : ''}`;
        })
        .join(', ')}. Select as for dbt (a model, tag:, path:, +model, …), a sync id or destination:<name>.`,
      [],
      'SPOKE_USAGE',
    );
  }
  const excludedModels =
    nothingForDbt && dbt.exclude.length > 0
      ? await listSelectedModels(project.manifest, location, { select: dbt.exclude, exclude: [] })
      : new Set<string>();
  const graph = selectSyncs(project.graph, {
    models,
    spoke: spokeSelect,
    excludedModels,
    excludedSpoke: exclude.filter(isSpoke),
  });
  if (graph.nodes.length === 0) {
    throw new ConfigError(
      `the selection matched no sync: dbt selected ${models.size} model${models.size === 1 ? '' : 's'}, none with meta.spoke (or all excluded). \`spoke validate\` lists the syncs and their models.`,
      [],
      'SPOKE_USAGE',
    );
  }
  return graph;
}
