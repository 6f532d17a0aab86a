import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { resolveTarget } from '../../dbt/profiles.js';
import { sandboxSchemaDir, sandboxStateFile } from '../../engine/connect-destinations.js';
import { SpokeError } from '../../errors.js';
import type { FaultPlan } from '../../sandbox/index.js';
import type { SandboxSystem } from '../../sandbox/store.js';
import { EXIT_OK } from '../exit-codes.js';
import { formatTable } from '../views/table.js';

export function registerSandbox(program: Command, setExitCode: (code: number) => void): void {
  const sandbox = program
    .command('sandbox')
    .description(
      'run local Salesforce and HubSpot API servers (records persist under .spoke/ in the project)',
    )
    .option('--project-dir <dir>', 'dbt project directory', process.cwd())
    .option('--profiles-dir <dir>', 'directory holding profiles.yml, as for dbt')
    .option('-t, --target <name>', 'dbt target whose sandbox store to use (default: the profile default)')
    .option('--salesforce-port <port>', 'port of the Salesforce server', '8701')
    .option('--hubspot-port <port>', 'port of the HubSpot server', '8702')
    .option('--reset', 'forget every stored record first', false)
    .option(
      '--faults <file>',
      'JSON fault plan to inject (errors, latency, rate limits; see docs/sandbox.md)',
    )
    .action(
      async (raw: {
        projectDir: string;
        profilesDir?: string;
        target?: string;
        salesforcePort: string;
        hubspotPort: string;
        reset: boolean;
        faults?: string;
      }) => {
        const { HUBSPOT_SANDBOX_TOKEN, SALESFORCE_SANDBOX_CREDENTIALS, startSandbox } = await import(
          '../../sandbox/index.js'
        );
        const projectDir = resolve(raw.projectDir);
        const target = await sandboxTarget(projectDir, raw);
        const stateFile = sandboxStateFile(projectDir, target);
        const running = await startSandbox({
          stateFile,
          schemaDir: sandboxSchemaDir(projectDir),
          salesforcePort: Number(raw.salesforcePort),
          hubspotPort: Number(raw.hubspotPort),
          ...(raw.faults ? { faults: await readFaultPlan(resolve(raw.faults)) } : {}),
        });
        if (raw.reset) {
          running.store.clear();
          await running.store.save();
        }
        process.stdout.write(
          [
            `Salesforce sandbox: ${running.salesforceUrl}  (login: ${SALESFORCE_SANDBOX_CREDENTIALS.username})`,
            `HubSpot sandbox:    ${running.hubspotUrl}  (token: ${HUBSPOT_SANDBOX_TOKEN})`,
            `Records of target ${target} persist to ${stateFile}`,
            `Request counts: GET ${running.hubspotUrl}/__sandbox/stats (and on the Salesforce server)`,
            'Point a target at it in spoke.yml:',
            `  targets: { ${target}: { sandbox: { salesforce_url: "${running.salesforceUrl}", hubspot_url: "${running.hubspotUrl}" } } }`,
            'Press Ctrl+C to stop.',
            '',
          ].join('\n'),
        );
        await new Promise<void>((done) => {
          const stop = () => void running.close().then(done);
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
        });
        setExitCode(EXIT_OK);
      },
    );

  sandbox
    .command('records')
    .description(
      'print the records the sandbox holds for one object, e.g. `spoke sandbox records hubspot contacts`',
    )
    .argument('<destination>', 'salesforce or hubspot')
    .argument('<object>', 'object name, e.g. Account or companies')
    .option('--project-dir <dir>', 'dbt project directory', process.cwd())
    .option('--profiles-dir <dir>', 'directory holding profiles.yml, as for dbt')
    .option('-t, --target <name>', 'dbt target whose sandbox store to read (default: the profile default)')
    .option('--fields <names>', 'comma-separated fields to show (default: all but audit fields)')
    .option('--json', 'print JSON', false)
    .action(
      async (
        system: string,
        object: string,
        raw: { projectDir: string; profilesDir?: string; target?: string; json: boolean; fields?: string },
      ) => {
        if (system !== 'salesforce' && system !== 'hubspot') {
          throw new SpokeError('SPOKE_USAGE', `Unknown sandbox "${system}": use salesforce or hubspot.`);
        }
        const projectDir = resolve(raw.projectDir);
        const target = await sandboxTarget(projectDir, raw);
        const { SandboxStore } = await import('../../sandbox/store.js');
        const store = await SandboxStore.open(sandboxStateFile(projectDir, target), { readOnly: true });
        const records = store.records(system as SandboxSystem, object).filter((record) => !record.archived);
        if (raw.json) {
          process.stdout.write(`${JSON.stringify(records, null, 2)}\n`);
        } else if (records.length === 0) {
          const known = store.objects(system as SandboxSystem);
          process.stdout.write(
            `No ${system} ${object} records in the sandbox of target ${target}.${known.length ? ` Objects with records: ${known.join(', ')}.` : ''}\n`,
          );
        } else {
          const fields = raw.fields
            ? raw.fields.split(',').map((field) => field.trim())
            : [...new Set(records.flatMap((record) => Object.keys(record.fields)))].filter(
                (field) => !AUDIT_FIELDS.has(field),
              );
          const rows = records.map((record) => [
            record.id,
            ...fields.map((field) => display(record.fields[field])),
          ]);
          process.stdout.write(
            `${formatTable(['id', ...fields], rows)}\n${records.length} ${object} records\n`,
          );
        }
        setExitCode(EXIT_OK);
      },
    );
}

/** The target whose store to use: `--target`, else the one dbt would pick from the profile. */
async function sandboxTarget(
  projectDir: string,
  raw: { target?: string; profilesDir?: string },
): Promise<string> {
  if (raw.target) return raw.target;
  try {
    return (await resolveTarget({ projectDir, ...(raw.profilesDir ? { profilesDir: raw.profilesDir } : {}) }))
      .target;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new SpokeError(
      'SPOKE_USAGE',
      `Each dbt target has its own sandbox store, and the target could not be read from the profile (${reason}). Pass --target <name>.`,
    );
  }
}

async function readFaultPlan(file: string): Promise<FaultPlan> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new SpokeError(
      'SPOKE_USAGE',
      `Cannot read the fault plan ${file} (${(error as NodeJS.ErrnoException).code}). Pass an existing JSON file to --faults.`,
    );
  }
  const { parseFaultPlanJson } = await import('../../sandbox/index.js');
  return parseFaultPlanJson(text, file);
}

/** Bookkeeping every record carries; hidden from the table so the synced values fit. */
const AUDIT_FIELDS = new Set([
  'IsDeleted',
  'SystemModstamp',
  'CreatedById',
  'LastModifiedById',
  'CreatedDate',
  'LastModifiedDate',
  'OwnerId',
  'hs_object_id',
  'createdate',
  'lastmodifieddate',
  'hs_lastmodifieddate',
]);

function display(value: unknown): string {
  if (value === null || value === undefined) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}
