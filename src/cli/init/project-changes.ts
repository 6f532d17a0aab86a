import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { parse } from 'yaml';
import { type DestinationType, spokeYmlTemplate } from '../../config/spoke-yml-template.js';
import { withEnqueueHook } from '../../dbt/enqueue-hook.js';
import { type PackageEntry, withSpokePackage } from '../../dbt/spoke-package-entry.js';
import { SpokeError } from '../../errors.js';

/** One file spoke init would write: its text before (null: new) and after. */
export interface FileChange {
  path: string;
  before: string | null;
  after: string;
}

export interface ProjectChanges {
  changes: FileChange[];
  /** Files left as they are, and why. */
  kept: { path: string; reason: string }[];
}

export interface InitChoices {
  projectDir: string;
  destinations: readonly DestinationType[];
  sandboxTargets: readonly string[];
  hook: boolean;
  force: boolean;
  /** Where the `spoke` dbt package lives (the installed dbt-spoke). */
  packageRoot: string;
}

async function readIfExists(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/** A dbt package entry that already brings in `spoke`: a local path to it, or dbt-spoke from git or a hub. */
function refersToSpoke(projectDir: string) {
  return (entry: PackageEntry): boolean => {
    if (typeof entry.local === 'string') {
      try {
        const project = parse(
          readFileSync(join(resolve(projectDir, entry.local), 'dbt_project.yml'), 'utf8'),
        );
        return (project as { name?: unknown } | null)?.name === 'spoke';
      } catch {
        return false;
      }
    }
    return [entry.git, entry.package].some((value) => typeof value === 'string' && /dbt-spoke/i.test(value));
  };
}

/** What spoke init would write in a dbt project: computed, nothing written. */
export async function planProjectChanges(choices: InitChoices): Promise<ProjectChanges> {
  const dir = resolve(choices.projectDir);
  const changes: FileChange[] = [];
  const kept: ProjectChanges['kept'] = [];

  const spokeYml = join(dir, 'spoke.yml');
  const spokeBefore = await readIfExists(spokeYml);
  const spokeAfter = spokeYmlTemplate({
    destinations: choices.destinations,
    sandboxTargets: choices.sandboxTargets,
  });
  if (spokeBefore !== null && !choices.force) {
    kept.push({ path: spokeYml, reason: 'exists; kept as it is (--force replaces it)' });
  } else if (spokeBefore !== spokeAfter) {
    changes.push({ path: spokeYml, before: spokeBefore, after: spokeAfter });
  }

  // dbt reads dependencies.yml when a project has it instead of packages.yml.
  const packagesYml = join(dir, 'packages.yml');
  const dependenciesYml = join(dir, 'dependencies.yml');
  const packagesFile =
    !existsSync(packagesYml) && existsSync(dependenciesYml) ? dependenciesYml : packagesYml;
  const packagesBefore = await readIfExists(packagesFile);
  const localPath = relative(dir, choices.packageRoot) || '.';
  const packagesAfter = withSpokePackage(packagesFile, packagesBefore, localPath, refersToSpoke(dir));
  if (packagesAfter === null) kept.push({ path: packagesFile, reason: 'already lists the spoke package' });
  else changes.push({ path: packagesFile, before: packagesBefore, after: packagesAfter });

  if (choices.hook) {
    const projectYml = join(dir, 'dbt_project.yml');
    const projectBefore = await readIfExists(projectYml);
    if (projectBefore === null) {
      throw new SpokeError(
        'SPOKE_USAGE',
        `${projectYml} does not exist. Run spoke init inside a dbt project, or pass it with --project-dir.`,
      );
    }
    const projectAfter = withEnqueueHook(projectYml, projectBefore);
    if (projectAfter === null) kept.push({ path: projectYml, reason: 'already has the spoke.enqueue hook' });
    else changes.push({ path: projectYml, before: projectBefore, after: projectAfter });
  }
  return { changes, kept };
}
