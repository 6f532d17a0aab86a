import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveWarehouse } from '../../src/dbt/profiles.js';
import { runDbt } from '../../src/dbt/runner.js';
import { dbtTestEnv, makeDbtProject, removeDir } from './dbt-project.js';

let root: string | undefined;
let projectDir: string;
let home: string;

const POSTGRES = `analytics:
  target: "{{ env_var('SPOKE_TEST_TARGET', 'dev') }}"
  outputs:
    dev:
      type: postgres
      host: "{{ env_var('PGHOST') }}"
      port: "{{ env_var('PGPORT', '5432') | int }}"
      user: spoke
      pass: "{{ env_var('PGPASSWORD') }}"
      dbname: analytics
      schema: dbt_dev
      sslmode: require
      connect_timeout: 5
    prod:
      type: postgres
      host: prod.internal
      port: 5432
      user: spoke
      password: "{{ env_var('PROD_PASSWORD') }}"
      database: analytics
      schema: dbt_prod
    rs:
      type: redshift
      host: cluster.redshift.amazonaws.com
      user: spoke
      password: s3cret-rs
      dbname: dev
      schema: public
    rs_iam:
      type: redshift
      method: iam
      host: cluster.redshift.amazonaws.com
      user: spoke
      dbname: dev
      schema: public
    broken:
      type: postgres
      host: db
      port: not-a-port
      user: spoke
      password: hunter2-secret
      database: analytics
      schema: dbt
    incomplete:
      type: postgres
      host: db
      port: 5432
      schema: dbt
    snow:
      type: snowflake
      account: x
`;

function profiles(name: string, path: string): string {
  return `${name}:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: ${path}\n`;
}

async function writeIn(dir: string, file: string, content: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, file), content);
  return join(dir, file);
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'spoke-profiles-'));
  projectDir = join(root, 'project');
  home = join(root, 'home');
  await writeIn(projectDir, 'dbt_project.yml', 'name: analytics\nprofile: analytics\n');
  await writeIn(projectDir, 'profiles.yml', POSTGRES);
});

afterAll(() => removeDir(root));

describe('resolveWarehouse: where profiles.yml is found', () => {
  it('prefers --profiles-dir, then DBT_ENGINE_PROFILES_DIR, then DBT_PROFILES_DIR, then the project, then ~/.dbt', async () => {
    const explicit = await writeIn(
      join(root!, 'explicit'),
      'profiles.yml',
      profiles('analytics', 'explicit.duckdb'),
    );
    const engine = await writeIn(
      join(root!, 'engine'),
      'profiles.yml',
      profiles('analytics', 'engine.duckdb'),
    );
    const legacy = await writeIn(
      join(root!, 'legacy'),
      'profiles.yml',
      profiles('analytics', 'legacy.duckdb'),
    );
    const inHome = await writeIn(join(home, '.dbt'), 'profiles.yml', profiles('analytics', 'home.duckdb'));
    const lookupProject = join(root!, 'lookup');
    await writeIn(lookupProject, 'dbt_project.yml', 'name: analytics\nprofile: analytics\n');
    const env = {
      HOME: home,
      DBT_ENGINE_PROFILES_DIR: join(root!, 'engine'),
      DBT_PROFILES_DIR: join(root!, 'legacy'),
    };

    const pick = async (options: { profilesDir?: string; env: NodeJS.ProcessEnv }) =>
      (await resolveWarehouse({ projectDir: lookupProject, ...options })).profilesFile;
    expect(await pick({ profilesDir: join(root!, 'explicit'), env })).toBe(explicit);
    expect(await pick({ env })).toBe(engine);
    expect(await pick({ env: { ...env, DBT_ENGINE_PROFILES_DIR: undefined } })).toBe(legacy);
    expect(await pick({ env: { HOME: home } })).toBe(inHome);
    const inProject = await writeIn(lookupProject, 'profiles.yml', profiles('analytics', 'project.duckdb'));
    expect(await pick({ env: { HOME: home } })).toBe(inProject);
  });

  it('lists the places it looked when there is no profiles.yml', async () => {
    const bare = join(root!, 'bare');
    await writeIn(bare, 'dbt_project.yml', 'name: x\nprofile: x\n');
    await expect(
      resolveWarehouse({ projectDir: bare, env: { HOME: join(root!, 'nohome') } }),
    ).rejects.toMatchObject({
      code: 'SPOKE_PROFILE',
      message: expect.stringContaining(
        `${join(bare, 'profiles.yml')} or ${join(root!, 'nohome', '.dbt', 'profiles.yml')}`,
      ),
    });
  });
});

describe('resolveWarehouse: postgres and redshift targets', () => {
  const env = { HOME: home, PGHOST: 'db.local', PGPASSWORD: 'pw-dev' };

  it('renders env_var with and without defaults and accepts the pass and dbname aliases', async () => {
    const resolved = await resolveWarehouse({ projectDir, env });
    expect(resolved).toEqual({
      profile: 'analytics',
      target: 'dev',
      profilesFile: join(projectDir, 'profiles.yml'),
      connection: {
        type: 'postgres',
        host: 'db.local',
        port: 5432,
        user: 'spoke',
        password: 'pw-dev',
        database: 'analytics',
        schema: 'dbt_dev',
        sslmode: 'require',
        connectTimeoutSeconds: 5,
      },
    });
    const port = await resolveWarehouse({ projectDir, env: { ...env, PGPORT: '6543' } });
    expect(port.connection).toMatchObject({ port: 6543 });
  });

  it('picks the target from the option, then DBT_TARGET, then the rendered target: of the profile', async () => {
    const prodEnv = { ...env, PROD_PASSWORD: 'pw-prod' };
    expect(
      (await resolveWarehouse({ projectDir, target: 'prod', env: { ...prodEnv, DBT_TARGET: 'rs' } })).target,
    ).toBe('prod');
    expect((await resolveWarehouse({ projectDir, env: { ...prodEnv, DBT_TARGET: 'rs' } })).target).toBe('rs');
    expect(
      (await resolveWarehouse({ projectDir, env: { ...prodEnv, SPOKE_TEST_TARGET: 'prod' } })).target,
    ).toBe('prod');
  });

  it('renders only the chosen target, so another target’s unset env var does no harm', async () => {
    await expect(resolveWarehouse({ projectDir, env })).resolves.toMatchObject({ target: 'dev' });
  });

  it('names the file, profile, target and variable when an env var is unset', async () => {
    await expect(resolveWarehouse({ projectDir, target: 'prod', env })).rejects.toMatchObject({
      code: 'SPOKE_ENV_VAR',
      message: `${join(projectDir, 'profiles.yml')} (profile analytics, target prod): env var PROD_PASSWORD is not set and has no default. Set it, or write {{ env_var('PROD_PASSWORD', 'default') }}.`,
    });
  });

  it('uses the profile named by DBT_PROFILE over dbt_project.yml', async () => {
    await expect(
      resolveWarehouse({ projectDir, env: { ...env, DBT_PROFILE: 'other' } }),
    ).rejects.toMatchObject({
      code: 'SPOKE_PROFILE',
      message: expect.stringContaining('has no profile named other (profiles: analytics)'),
    });
  });

  it('lists the available targets when the target does not exist', async () => {
    await expect(resolveWarehouse({ projectDir, target: 'staging', env })).rejects.toMatchObject({
      code: 'SPOKE_PROFILE',
      message: expect.stringMatching(
        /profile analytics, target staging\): profile analytics has no target named staging \(targets: dev, prod, rs, rs_iam, broken, incomplete, snow\)\. Use one of them with --target/,
      ),
    });
  });

  it('names every missing required setting', async () => {
    await expect(resolveWarehouse({ projectDir, target: 'incomplete', env })).rejects.toThrow(
      /target incomplete\): user, password \(or pass\), database \(or dbname\) are missing\. Add them/,
    );
  });

  it('never puts the password in an error', async () => {
    const failure = resolveWarehouse({ projectDir, target: 'broken', env });
    await expect(failure).rejects.toThrow(/port must be a whole number, got "not-a-port"/);
    await expect(failure).rejects.not.toThrow(/hunter2/);
  });

  it('reads redshift with method database and refuses IAM methods with a clear message', async () => {
    expect((await resolveWarehouse({ projectDir, target: 'rs', env })).connection).toEqual({
      type: 'redshift',
      host: 'cluster.redshift.amazonaws.com',
      port: 5439,
      user: 'spoke',
      password: 's3cret-rs',
      database: 'dev',
      schema: 'public',
      sslmode: 'prefer',
    });
    await expect(resolveWarehouse({ projectDir, target: 'rs_iam', env })).rejects.toThrow(
      /target rs_iam\): method iam is not supported yet.*IAM/,
    );
  });

  it('refuses adapters it cannot read', async () => {
    await expect(resolveWarehouse({ projectDir, target: 'snow', env })).rejects.toThrow(
      /type snowflake is not supported\. dbt-spoke reads postgres, redshift and duckdb targets/,
    );
  });
});

describe('resolveWarehouse: duckdb targets', () => {
  it('defaults to an in-memory database with schema main', async () => {
    const dir = join(root!, 'duck-memory');
    await writeIn(dir, 'dbt_project.yml', 'name: d\nprofile: d\n');
    await writeIn(dir, 'profiles.yml', 'd:\n  outputs:\n    default:\n      type: duckdb\n');
    expect(await resolveWarehouse({ projectDir: dir, env: {} })).toMatchObject({
      target: 'default',
      connection: { type: 'duckdb', path: ':memory:', database: 'memory', schema: 'main' },
    });
  });

  it('keeps absolute paths and takes the database name from the file name', async () => {
    const dir = join(root!, 'duck-abs');
    await writeIn(dir, 'dbt_project.yml', 'name: d\nprofile: d\n');
    await writeIn(dir, 'profiles.yml', profiles('d', '/data/warehouse/jaffle.duckdb'));
    expect((await resolveWarehouse({ projectDir: dir, env: {} })).connection).toEqual({
      type: 'duckdb',
      path: '/data/warehouse/jaffle.duckdb',
      database: 'jaffle',
      schema: 'main',
    });
  });

  it('resolves a relative path to the file real dbt writes when run for the project', async () => {
    const dir = await makeDbtProject({
      'profiles.yml': profiles('fixture', 'data/local.duckdb'),
      'models/one.sql': 'select 1 as id',
    });
    try {
      await mkdir(join(dir, 'data'));
      const resolved = await resolveWarehouse({ projectDir: dir, profilesDir: dir, env: {} });
      expect(resolved.connection).toMatchObject({
        path: join(dir, 'data', 'local.duckdb'),
        database: 'local',
      });
      const run = await runDbt(['run'], {
        projectDir: dir,
        profilesDir: dir,
        stdio: 'pipe',
        env: dbtTestEnv,
      });
      expect(run.outcome).toBe('ok');
      expect(existsSync(join(dir, 'data', 'local.duckdb'))).toBe(true);
    } finally {
      await removeDir(dir);
    }
  });
});
