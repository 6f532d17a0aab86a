import type { Command } from 'commander';

export interface CommonOptions {
  projectDir: string;
  profilesDir?: string;
  target?: string;
  json: boolean;
}

/** The flags every command shares, named and behaving like dbt's. */
export function withCommonOptions(command: Command): Command {
  return command
    .option('--project-dir <dir>', 'dbt project directory (default: the current directory)', process.cwd())
    .option('--profiles-dir <dir>', 'directory holding profiles.yml, as for dbt')
    .option('-t, --target <name>', 'dbt target (default: the profile default)')
    .option('--json', 'print one JSON document instead of human output', false);
}

export function commonOptions(options: Record<string, unknown>): CommonOptions {
  return {
    projectDir: String(options.projectDir ?? process.cwd()),
    ...(options.profilesDir ? { profilesDir: String(options.profilesDir) } : {}),
    ...(options.target ? { target: String(options.target) } : {}),
    json: Boolean(options.json),
  };
}
