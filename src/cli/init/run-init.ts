import { relative, resolve } from 'node:path';
import { checkbox, confirm } from '@inquirer/prompts';
import pc from 'picocolors';
import { DESTINATION_TYPES, type DestinationType } from '../../config/spoke-yml-template.js';
import { resolveTarget } from '../../dbt/profiles.js';
import { runDbt } from '../../dbt/runner.js';
import { SpokeError } from '../../errors.js';
import { spokePackageRoot } from '../../util/package-root.js';
import type { commonOptions } from '../common-options.js';
import { EXIT_FAILED, EXIT_OK } from '../exit-codes.js';
import { diffView } from './diff-view.js';
import { planProjectChanges } from './project-changes.js';
import { writeChanges } from './write-changes.js';

/** What to do after init, with a meta.spoke block for the first destination chosen. */
function nextSteps(destination: DestinationType): string {
  const sync =
    destination === 'hubspot'
      ? [
          '- to: hubspot.contacts',
          '  key: email                  # the column identifying a row',
          '  match: email                # the unique HubSpot property holding it',
          '  fields: { first_name: firstname, last_name: lastname }',
        ]
      : [
          '- to: salesforce.Contact',
          '  key: customer_id',
          '  match: Customer_Id__c       # an external id field',
          '  fields: { email: Email, last_name: LastName }',
        ];
  const records = destination === 'hubspot' ? 'hubspot contacts' : 'salesforce Contact';
  return `Next:
  1. Say where a model's rows go, in its config.meta.spoke (e.g. models/schema.yml):
       models:
         - name: dim_customers
           config:
             meta:
               spoke:
${sync.map((line) => `                 ${line}`).join('\n')}
  2. npx spoke dbt build      # dbt builds, then spoke syncs the models that succeeded
  3. npx spoke sandbox records ${records}   # what a sandbox target's run wrote`;
}

/** The profile's default target, routed to the sandbox so a first run needs no CRM account. */
async function defaultSandboxTargets(common: ReturnType<typeof commonOptions>): Promise<string[]> {
  try {
    const { target } = await resolveTarget({
      projectDir: common.projectDir,
      ...(common.profilesDir ? { profilesDir: common.profilesDir } : {}),
      ...(common.target ? { target: common.target } : {}),
    });
    return [target];
  } catch {
    return ['dev'];
  }
}

export interface InitOptions {
  common: ReturnType<typeof commonOptions>;
  destination?: DestinationType[];
  sandboxTarget?: string[];
  hook: boolean;
  deps: boolean;
  yes: boolean;
  force: boolean;
}

/** spoke init: computes the changes, shows them, asks, writes them all or none, runs dbt deps. */
export async function runInit(options: InitOptions, setExitCode: (code: number) => void): Promise<void> {
  const { common } = options;

  const projectDir = resolve(common.projectDir);
  const interactive = Boolean(process.stdin.isTTY && process.stdout.isTTY) && !common.json;
  const packageRoot = spokePackageRoot();
  if (!packageRoot)
    throw new SpokeError(
      'SPOKE_USAGE',
      'the dbt-spoke package files were not found beside this spoke binary; reinstall dbt-spoke.',
    );

  const destinations =
    options.destination ??
    (interactive
      ? await checkbox({
          message: 'Which CRMs will this project sync to?',
          choices: [...DESTINATION_TYPES].map((value) => ({ value, checked: true })),
          required: true,
        })
      : [...DESTINATION_TYPES]);
  const sandboxTargets = options.sandboxTarget ?? (await defaultSandboxTargets(common));

  const { changes, kept } = await planProjectChanges({
    projectDir,
    destinations,
    sandboxTargets,
    hook: options.hook,
    force: options.force,
    packageRoot,
  });
  const name = (path: string) => relative(projectDir, path);
  const out = (text: string) => process.stdout.write(common.json ? '' : `${text}\n`);

  for (const { path, reason } of kept) out(`${pc.dim('=')} ${name(path)}: ${reason}`);
  if (changes.length === 0) {
    out('Nothing to change: dbt-spoke is set up in this project.');
    if (common.json) process.stdout.write(`${JSON.stringify({ written: [], kept }, null, 2)}\n`);
    setExitCode(EXIT_OK);
    return;
  }
  for (const change of changes) out(diffView(change, projectDir, Boolean(process.stdout.isTTY)));

  const apply =
    options.yes ||
    (interactive &&
      (await confirm({ message: `Write ${changes.map((c) => name(c.path)).join(', ')}?`, default: true })));
  if (!apply) {
    throw new SpokeError(
      'SPOKE_USAGE',
      interactive
        ? 'Nothing written.'
        : 'Nothing written: spoke init asks before changing files. Review the changes above, then rerun with --yes to apply them.',
    );
  }
  await writeChanges(changes);
  for (const change of changes)
    out(`${pc.green('✓')} ${change.before === null ? 'created' : 'updated'} ${name(change.path)}`);

  const packagesChanged = changes.some((change) => /(packages|dependencies)\.yml$/.test(change.path));
  let depsOk = true;
  if (packagesChanged && options.deps) {
    out('Running dbt deps to install the spoke package…');
    const { exitCode } = await runDbt(['deps'], {
      projectDir,
      ...(common.profilesDir ? { profilesDir: common.profilesDir } : {}),
      stdio: common.json ? 'pipe' : 'inherit',
    });
    depsOk = exitCode === 0;
    if (!depsOk)
      out(
        `${pc.red('✗')} dbt deps exited with ${exitCode}; the files are written: fix what dbt said, then run dbt deps.`,
      );
  }
  if (common.json) {
    process.stdout.write(
      `${JSON.stringify({ written: changes.map((change) => change.path), kept, deps: depsOk ? 'ok' : 'failed' }, null, 2)}\n`,
    );
  } else {
    out(`\n${nextSteps(destinations[0] ?? 'hubspot')}`);
  }
  setExitCode(depsOk ? EXIT_OK : EXIT_FAILED);
}
