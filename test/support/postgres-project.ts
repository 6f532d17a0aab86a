import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/**
 * A minimal dbt project on a test database: dbt_project.yml, a profiles.yml whose `dev` target
 * is the database (schema `analytics`), and the files given (spoke.yml, models/…) as they are.
 */
export async function writePostgresProject(
  dir: string,
  database: { url: string; name: string },
  files: Record<string, string>,
): Promise<void> {
  const url = new URL(database.url);
  const all: Record<string, string> = {
    'dbt_project.yml':
      'name: project\nversion: "1.0"\nconfig-version: 2\nprofile: project\nflags: { send_anonymous_usage_stats: false }\n',
    'profiles.yml': `project:
  target: dev
  outputs:
    dev: { type: postgres, host: ${url.hostname}, port: ${url.port || 5432}, user: postgres, password: "${decodeURIComponent(url.password)}", dbname: ${database.name}, schema: analytics, threads: 2 }
`,
    ...files,
  };
  for (const [path, text] of Object.entries(all)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), text);
  }
}
