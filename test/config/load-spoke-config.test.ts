import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadSpokeConfig } from '../../src/config/load-spoke-config.js';
import { ConfigError, SpokeError } from '../../src/errors.js';

const dirs: string[] = [];

async function project(spokeYml?: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'spoke-config-'));
  dirs.push(dir);
  await writeFile(path.join(dir, 'dbt_project.yml'), 'name: example\nprofile: example\n');
  if (spokeYml !== undefined) await writeFile(path.join(dir, 'spoke.yml'), spokeYml);
  return dir;
}

afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function configError(promise: Promise<unknown>): Promise<ConfigError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return error as ConfigError;
}

const exampleYml = `version: 1
destinations:
  salesforce:
    type: salesforce
    login_url: "{{ env_var('SF_LOGIN_URL', 'https://login.salesforce.com') }}"
    username: "{{ env_var('SF_USERNAME') }}"
    password: "{{ env_var('SF_PASSWORD') }}"
    client_id: "{{ env_var('SF_CLIENT_ID') }}"
    client_secret: "{{ env_var('SF_CLIENT_SECRET') }}"
  hubspot:
    type: hubspot
    access_token: "{{ env_var('HUBSPOT_TOKEN') }}"
targets:
  dev: { sandbox: true }
  pr:
    sandbox: { salesforce_url: "{{ env_var('SANDBOX_SF_URL') }}", hubspot_url: http://127.0.0.1:9002 }
  ci:
    destinations:
      salesforce:
        login_url: https://test.salesforce.com
        username: "{{ env_var('SF_CI_USERNAME') }}"
state: { schema: spoke_state }
alerts:
  channels:
    - { type: email, to: [data-alerts@example.com], smtp_url: "{{ env_var('SMTP_URL', '') }}" }
    - { type: slack, webhook_url: "{{ env_var('SLACK_WEBHOOK_URL', '') }}" }
    - { type: webhook, url: "{{ env_var('ALERT_WEBHOOK_URL') }}" }
  failed_records_ratio: 0.05
`;

const prodEnv = {
  SF_USERNAME: 'integration@example.com',
  SF_PASSWORD: 'pw-and-token',
  SF_CLIENT_ID: 'consumer-key',
  SF_CLIENT_SECRET: 'consumer-secret',
  HUBSPOT_TOKEN: 'pat-na1-token',
  ALERT_WEBHOOK_URL: 'https://hooks.example.com/spoke',
};

describe('loadSpokeConfig', () => {
  it('renders env_var() credentials and fills in endpoint defaults for a target without overrides', async () => {
    const dir = await project(exampleYml);
    const config = await loadSpokeConfig({ projectDir: dir, target: 'prod', env: prodEnv });
    expect(config).toEqual({
      file: path.join(dir, 'spoke.yml'),
      target: 'prod',
      sandbox: null,
      state: { schema: 'spoke_state' },
      destinations: {
        salesforce: {
          name: 'salesforce',
          type: 'salesforce',
          loginUrl: 'https://login.salesforce.com',
          apiVersion: '62.0',
          username: 'integration@example.com',
          password: 'pw-and-token',
          clientId: 'consumer-key',
          clientSecret: 'consumer-secret',
        },
        hubspot: {
          name: 'hubspot',
          type: 'hubspot',
          baseUrl: 'https://api.hubapi.com',
          accessToken: 'pat-na1-token',
        },
      },
      alerts: {
        channels: [{ type: 'webhook', name: 'webhook', url: 'https://hooks.example.com/spoke' }],
        disabledChannels: ['email', 'slack'],
        failedRecordsRatio: 0.05,
        recoverAfter: 1,
        maxStalenessMs: null,
        publicUrl: null,
      },
    });
  });

  it('fails with SPOKE_ENV_VAR, naming the variable, when an alert channel needs a variable that is unset', async () => {
    const dir = await project(exampleYml);
    const { ALERT_WEBHOOK_URL: _, ...env } = prodEnv;
    const error = await loadSpokeConfig({ projectDir: dir, target: 'prod', env }).catch((e: unknown) => e);
    expect((error as SpokeError).code).toBe('SPOKE_ENV_VAR');
    expect((error as SpokeError).message).toContain('ALERT_WEBHOOK_URL');
  });

  it('routes a sandbox target without needing any destination credential variable', async () => {
    const dir = await project(exampleYml);
    const config = await loadSpokeConfig({
      projectDir: dir,
      target: 'dev',
      env: { ALERT_WEBHOOK_URL: 'https://hooks.example.com/spoke' },
    });
    expect(config.sandbox).toEqual({});
    expect(config.destinations.salesforce).toEqual({
      name: 'salesforce',
      type: 'salesforce',
      loginUrl: 'https://login.salesforce.com',
      apiVersion: '62.0',
    });
    expect(config.destinations.hubspot).toEqual({
      name: 'hubspot',
      type: 'hubspot',
      baseUrl: 'https://api.hubapi.com',
    });
  });

  it('routes to a running sandbox at the URLs the target gives', async () => {
    const dir = await project(exampleYml);
    const config = await loadSpokeConfig({
      projectDir: dir,
      target: 'pr',
      env: { SANDBOX_SF_URL: 'http://127.0.0.1:9001', ALERT_WEBHOOK_URL: 'https://hooks.example.com/spoke' },
    });
    expect(config.sandbox).toEqual({
      salesforceUrl: 'http://127.0.0.1:9001',
      hubspotUrl: 'http://127.0.0.1:9002',
    });
  });

  it("applies the active target's destination overrides over the destination's own keys", async () => {
    const dir = await project(exampleYml);
    const config = await loadSpokeConfig({
      projectDir: dir,
      target: 'ci',
      env: { ...prodEnv, SF_CI_USERNAME: 'ci@example.com' },
    });
    expect(config.destinations.salesforce).toMatchObject({
      loginUrl: 'https://test.salesforce.com',
      username: 'ci@example.com',
      password: 'pw-and-token',
    });
  });

  it('fails with SPOKE_ENV_VAR when a credential variable is unset and has no default', async () => {
    const dir = await project(exampleYml);
    const { SF_PASSWORD: _, ...env } = prodEnv;
    const error = await loadSpokeConfig({ projectDir: dir, target: 'prod', env }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SpokeError);
    expect((error as SpokeError).code).toBe('SPOKE_ENV_VAR');
    expect((error as SpokeError).message).toContain('SF_PASSWORD');
  });

  it('refuses a literal password or token and never repeats the secret', async () => {
    const dir = await project(`version: 1
destinations:
  salesforce:
    type: salesforce
    username: admin@example.com
    password: hunter2-secret
    client_id: abc
    client_secret: "{{ env_var('SF_CLIENT_SECRET') }}"
targets:
  prod:
    destinations:
      salesforce: { access_token: "00Dxx!literal-token" }
`);
    const error = await configError(loadSpokeConfig({ projectDir: dir, target: 'prod', env: prodEnv }));
    expect(error.message).toBe('2 problems in dbt-spoke configuration');
    expect(error.diagnostics).toEqual([
      {
        file: 'spoke.yml:6',
        field: 'destinations.salesforce.password',
        message:
          '`password` is a literal value; credentials are read only through env_var() so they never live in the repository.',
        fix: `password: "{{ env_var('SF_PASSWORD') }}" and set that variable where dbt-spoke runs`,
      },
      expect.objectContaining({
        file: 'spoke.yml:12',
        field: 'targets.prod.destinations.salesforce.access_token',
        fix: `access_token: "{{ env_var('SF_ACCESS_TOKEN') }}" and set that variable where dbt-spoke runs`,
      }),
    ]);
    const everything = JSON.stringify({
      message: error.message,
      diagnostics: error.diagnostics,
      stack: error.stack,
    });
    expect(everything).not.toContain('hunter2');
    expect(everything).not.toContain('literal-token');
  });

  it('reports unknown keys with suggestions, wrong types and missing keys together, with line numbers', async () => {
    const dir = await project(`version: 2
destinations:
  salesforce:
    type: salesforce
    loginurl: https://login.salesforce.com
  hubspot:
    type: hubspt
  crm:
    access_token: "{{ env_var('X') }}"
targets:
  dev: { sandbox: yes-please }
stat: { schema: spoke }
`);
    const error = await configError(loadSpokeConfig({ projectDir: dir, target: 'dev', env: {} }));
    expect(error.diagnostics.map((d) => [d.file, d.field, d.message])).toEqual([
      ['spoke.yml:1', 'version', 'must be `1`, got `2`.'],
      [
        'spoke.yml:5',
        'destinations.salesforce.loginurl',
        'unknown key `loginurl`. Did you mean `login_url`?',
      ],
      [
        'spoke.yml:7',
        'destinations.hubspot.type',
        '`type` must be one of `salesforce`, `hubspot`. Did you mean `hubspot`?',
      ],
      ['spoke.yml:8', 'destinations.crm.type', '`type` is required.'],
      ['spoke.yml:11', 'targets.dev.sandbox', 'expected true or false or a mapping, got a string.'],
      ['spoke.yml:12', 'stat', 'unknown key `stat`. Did you mean `state`?'],
    ]);
    expect(error.diagnostics[2]!.fix).toBe('set `type: salesforce` or `type: hubspot`');
  });

  it('refuses target overrides of an undefined destination or of keys the destination type does not have', async () => {
    const dir = await project(`version: 1
destinations:
  hubspot: { type: hubspot }
targets:
  ci:
    destinations:
      hubspot: { login_url: https://test.salesforce.com }
      salesfroce: { login_url: https://test.salesforce.com }
`);
    const error = await configError(loadSpokeConfig({ projectDir: dir, target: 'ci', env: {} }));
    expect(error.diagnostics.map((d) => [d.file, d.message])).toEqual([
      ['spoke.yml:7', '`login_url` does not apply to hubspot destination `hubspot`.'],
      [
        'spoke.yml:8',
        'target `ci` overrides destination `salesfroce`, which is not defined under `destinations` (known: `hubspot`).',
      ],
    ]);
  });

  it('checks that Salesforce credentials form a complete login unless the target uses the sandbox', async () => {
    const yml = `version: 1
destinations:
  salesforce:
    type: salesforce
    username: "{{ env_var('SF_USERNAME') }}"
    access_token: "{{ env_var('SF_ACCESS_TOKEN', '') }}"
  hubspot:
    type: hubspot
targets:
  dev: { sandbox: true }
`;
    const dir = await project(yml);
    const error = await configError(
      loadSpokeConfig({ projectDir: dir, target: 'prod', env: { SF_USERNAME: 'u@example.com' } }),
    );
    expect(error.diagnostics.map((d) => [d.file, d.field, d.message])).toEqual([
      [
        'spoke.yml:3',
        'destinations.salesforce',
        'Salesforce destination `salesforce` has incomplete credentials (set: `username`); it needs username+password+client_id+client_secret, client_id+client_secret, or access_token+instance_url.',
      ],
      [
        'spoke.yml:7',
        'destinations.hubspot.access_token',
        'HubSpot destination `hubspot` has no access_token (or it rendered empty).',
      ],
    ]);
    await expect(loadSpokeConfig({ projectDir: dir, target: 'dev', env: {} })).resolves.toMatchObject({
      sandbox: {},
    });
  });

  it('accepts the client-credentials flow and an access token with an instance URL', async () => {
    const dir = await project(`version: 1
destinations:
  sf_cc:
    type: salesforce
    client_id: "{{ env_var('SF_CLIENT_ID') }}"
    client_secret: "{{ env_var('SF_CLIENT_SECRET') }}"
    api_version: 61.0
  sf_token:
    type: salesforce
    instance_url: https://acme.my.salesforce.com
    access_token: "{{ env_var('SF_ACCESS_TOKEN') }}"
  sf_token_only:
    type: salesforce
    access_token: "{{ env_var('SF_ACCESS_TOKEN') }}"
`);
    const env = { SF_CLIENT_ID: 'id', SF_CLIENT_SECRET: 'secret', SF_ACCESS_TOKEN: 'token-value' };
    const error = await configError(loadSpokeConfig({ projectDir: dir, target: 'prod', env }));
    expect(error.diagnostics).toEqual([
      expect.objectContaining({
        field: 'destinations.sf_token_only.instance_url',
        message: 'Salesforce destination `sf_token_only` has an access_token but no instance_url.',
      }),
    ]);
    expect(JSON.stringify(error.diagnostics)).not.toContain('token-value');
  });

  it('turns a numeric api_version into the string Salesforce expects', async () => {
    const dir = await project(`version: 1
destinations:
  salesforce: { type: salesforce, api_version: 61.0, client_id: "{{ env_var('A') }}", client_secret: "{{ env_var('B') }}" }
`);
    const config = await loadSpokeConfig({ projectDir: dir, target: 'prod', env: { A: 'a', B: 'b' } });
    expect(config.destinations.salesforce).toMatchObject({
      apiVersion: '61.0',
      clientId: 'a',
      clientSecret: 'b',
    });
  });

  it('returns an empty configuration when the project has no spoke.yml', async () => {
    const dir = await project();
    await expect(loadSpokeConfig({ projectDir: dir, target: 'dev' })).resolves.toEqual({
      file: null,
      target: 'dev',
      destinations: {},
      sandbox: null,
      state: { schema: 'spoke' },
      alerts: null,
    });
  });

  it('reports broken YAML with its line', async () => {
    const dir = await project('version: 1\ndestinations:\n  hubspot: { type: hubspot\n');
    const error = await configError(loadSpokeConfig({ projectDir: dir, target: 'dev' }));
    expect(error.message).toBe('spoke.yml is not valid YAML');
    expect(error.diagnostics[0]!.file).toMatch(/^spoke\.yml:\d+$/);
  });
});
