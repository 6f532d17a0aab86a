import { isAbsolute, resolve } from 'node:path';
import { readDbtProject } from './project-file.js';

/**
 * Where dbt writes its artifacts for this project: DBT_ENGINE_TARGET_PATH / DBT_TARGET_PATH,
 * else `target-path` in dbt_project.yml, else `target`; relative paths are relative to the project.
 */
export async function dbtTargetDir(
  projectDir: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  const fromEnv = env.DBT_ENGINE_TARGET_PATH || env.DBT_TARGET_PATH;
  const written = fromEnv || (await readDbtProject(projectDir, env)).targetPath || 'target';
  return isAbsolute(written) ? written : resolve(projectDir, written);
}
