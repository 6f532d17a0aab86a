import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { runOnPty } from '../support/pty-screen.js';
import { repoRoot, runSpoke } from '../support/spoke-cli.js';

const dbtBin = join(repoRoot, '.venv', 'bin', 'dbt');
const spokeBin = join(repoRoot, 'dist', 'cli', 'main.js');

const CUSTOMERS_SQL = `select * from (values
  ('c1', 'ada@example.com', 'Ada'),
  ('c2', 'grace@example.com', 'Grace'),
  ('c3', 'edsger@example.com', 'Edsger')
) as t(customer_id, email, first_name)
`;

const CUSTOMERS_YML = `version: 2
models:
  - name: customers
    config:
      meta:
        spoke:
          - to: hubspot.contacts
            key: email
            match: email
            fields: { first_name: firstname }
`;

/** A fresh `dbt init` project on DuckDB, as a user starting out has it. */
async function freshDbtProject(parent: string, name: string): Promise<string> {
  await execa(dbtBin, ['init', name, '--skip-profile-setup'], { cwd: parent });
  const dir = join(parent, name);
  await writeFile(
    join(dir, 'profiles.yml'),
    `${name}:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: ${name}.duckdb\n      threads: 1\n`,
  );
  return dir;
}

async function snapshotFiles(dir: string): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const name of await readdir(dir)) {
    if (name.endsWith('.yml')) files[name] = await readFile(join(dir, name), 'utf8');
  }
  return files;
}

async function queuedModels(dir: string, database: string): Promise<string[]> {
  const instance = await DuckDBInstance.create(join(dir, database), { access_mode: 'READ_ONLY' });
  const connection = await instance.connect();
  const reader = await connection.runAndReadAll('SELECT model FROM spoke.sync_queue ORDER BY model');
  const models = reader.getRowObjectsJson().map((row) => String(row.model));
  connection.closeSync();
  instance.closeSync();
  return models;
}

describe('spoke init', () => {
  let parent: string;
  beforeAll(async () => {
    parent = await mkdtemp(join(tmpdir(), 'spoke-init-'));
  });
  afterAll(async () => {
    await rm(parent, { recursive: true, force: true });
  });

  it('turns a fresh dbt init project into one where spoke dbt build syncs a model to the sandbox', async () => {
    const dir = await freshDbtProject(parent, 'shop');
    const projectBefore = await readFile(join(dir, 'dbt_project.yml'), 'utf8');

    const init = await runSpoke(['init', '--yes', '--destination', 'hubspot'], { cwd: dir });
    expect(init.stderr).toBe('');
    expect(init.exitCode).toBe(0);
    expect(init.stdout).toContain('✓ created spoke.yml');
    expect(init.stdout).toContain('✓ created packages.yml');
    expect(init.stdout).toContain('✓ updated dbt_project.yml');
    expect(init.stdout).toContain('- to: hubspot.contacts');

    // dbt_project.yml keeps every byte it had and gains the hook at its end.
    const projectAfter = await readFile(join(dir, 'dbt_project.yml'), 'utf8');
    expect(projectAfter.startsWith(projectBefore)).toBe(true);
    expect(parse(projectAfter)['on-run-end']).toEqual(['{{ spoke.enqueue(results) }}']);
    const spokeYml = parse(await readFile(join(dir, 'spoke.yml'), 'utf8'));
    expect(Object.keys(spokeYml.destinations)).toEqual(['hubspot']);
    expect(spokeYml.targets).toEqual({ dev: { sandbox: true } });
    // dbt deps ran: the package is installed.
    expect(await readdir(join(dir, 'dbt_packages'))).toContain('spoke');

    await mkdir(join(dir, 'models', 'crm'));
    await writeFile(join(dir, 'models', 'crm', 'customers.sql'), CUSTOMERS_SQL);
    await writeFile(join(dir, 'models', 'crm', 'schema.yml'), CUSTOMERS_YML);
    const build = await runSpoke(['dbt', 'build', '--select', 'customers'], { cwd: dir });
    expect(build.stderr).not.toContain('SPOKE_');
    expect(build.exitCode).toBe(0);
    expect(build.stdout).toMatch(/customers:hubspot\.contacts\s+created 3, updated 0, failed 0/);

    const records = await runSpoke(['sandbox', 'records', 'hubspot', 'contacts', '--json'], { cwd: dir });
    const emails = (JSON.parse(records.stdout) as { fields: { email: string } }[])
      .map((record) => record.fields.email)
      .sort();
    expect(emails).toEqual(['ada@example.com', 'edsger@example.com', 'grace@example.com']);
    // The hook init added queued the model this invocation built.
    expect(await queuedModels(dir, 'shop.duckdb')).toEqual(['customers']);

    const again = await runSpoke(['init', '--yes'], { cwd: dir });
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toContain('spoke.yml: exists; kept as it is (--force replaces it)');
    expect(again.stdout).toContain('Nothing to change: dbt-spoke is set up in this project.');
  });

  it('shows the changes and writes nothing without --yes when no one can be asked', async () => {
    const dir = await freshDbtProject(parent, 'quiet');
    await writeFile(
      join(dir, 'packages.yml'),
      'packages:\n  - package: dbt-labs/dbt_utils\n    version: 1.3.0\n',
    );
    const before = await snapshotFiles(dir);

    const result = await runSpoke(['init'], { cwd: dir });
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toContain('+++ b/packages.yml');
    expect(result.stdout).toContain('+  - local: ');
    expect(result.stdout).toContain('+  - "{{ spoke.enqueue(results) }}"');
    expect(result.stderr).toContain('Nothing written');
    expect(result.stderr).toContain('--yes');
    expect(await snapshotFiles(dir)).toEqual(before);
  });

  it('asks on a terminal, and a no leaves every file as it was', async () => {
    const dir = await freshDbtProject(parent, 'asked');
    const before = await snapshotFiles(dir);
    const declined = await runOnPty([process.execPath, spokeBin, 'init', '--destination', 'salesforce'], {
      cwd: dir,
      env: { NO_COLOR: '1' },
      answers: [{ after: 'Write spoke.yml', keys: 'n\r' }],
    });
    expect(declined.exitCode).toBe(2);
    expect(declined.all.join('\n')).toContain('Nothing written.');
    expect(await snapshotFiles(dir)).toEqual(before);

    const accepted = await runOnPty(
      [process.execPath, spokeBin, 'init', '--destination', 'salesforce', '--no-deps'],
      {
        cwd: dir,
        env: { NO_COLOR: '1' },
        answers: [{ after: 'Write spoke.yml', keys: 'y\r' }],
      },
    );
    expect(accepted.exitCode).toBe(0);
    expect(accepted.all.join('\n')).toContain('✓ created spoke.yml');
    expect(Object.keys(parse(await readFile(join(dir, 'spoke.yml'), 'utf8')).destinations)).toEqual([
      'salesforce',
    ]);
  });
});
