import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { SpokeError } from '../errors.js';
import { renderEnvVars } from './env-var.js';

/** The few keys of dbt_project.yml that dbt-spoke needs. */
export interface DbtProjectFile {
  file: string;
  name: string | null;
  profile: string | null;
  /** As written (`target-path`), null when absent. */
  targetPath: string | null;
}

/**
 * Reads `<projectDir>/dbt_project.yml`. Only the keys used are rendered, because the rest
 * (hooks, vars) holds Jinja that only dbt can render.
 */
export async function readDbtProject(projectDir: string, env: NodeJS.ProcessEnv): Promise<DbtProjectFile> {
  const file = join(projectDir, 'dbt_project.yml');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new SpokeError(
        'SPOKE_PROFILE',
        `${file} does not exist. Run dbt-spoke inside a dbt project, or pass the project directory (--project-dir).`,
      );
    }
    throw error;
  }
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (error) {
    throw new SpokeError('SPOKE_PROFILE', `${file} is not valid YAML: ${(error as Error).message}`);
  }
  const project = (doc && typeof doc === 'object' ? doc : {}) as Record<string, unknown>;
  const rendered = (key: string): string | null => {
    const value = project[key];
    if (value === undefined || value === null) return null;
    return renderEnvVars(String(value), { file, env });
  };
  return { file, name: rendered('name'), profile: rendered('profile'), targetPath: rendered('target-path') };
}
