import type { Diagnostic } from '../errors.js';
import { didYouMean, formatList } from '../util/suggest.js';
import { ownValue } from './own-value.js';
import { hubspotDestinationSchema, salesforceDestinationSchema, secretKeys } from './spoke-yml-schema.js';
import type { DestinationConfig } from './types.js';

type Locate = (path: readonly PropertyKey[]) => string;

const ENV_VAR_ONLY =
  /^\s*\{\{\s*env_var\s*\(\s*(?:'[^']*'|"[^"]*")\s*(?:,\s*(?:'[^']*'|"[^"]*")\s*)?\)\s*\}\}\s*$/;

const keysByType: Record<string, string[]> = {
  salesforce: Object.keys(salesforceDestinationSchema.shape).filter((k) => k !== 'type'),
  hubspot: Object.keys(hubspotDestinationSchema.shape).filter((k) => k !== 'type'),
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The conventional variable for a secret: SF_PASSWORD, HUBSPOT_TOKEN, <NAME>_CLIENT_SECRET. */
export function envVarNameFor(destination: string, key: string): string {
  const prefix = destination === 'salesforce' ? 'SF' : destination.toUpperCase().replace(/[^A-Z0-9]+/g, '_');
  return key === 'access_token' && destination === 'hubspot'
    ? 'HUBSPOT_TOKEN'
    : `${prefix}_${key.toUpperCase()}`;
}

function literalSecrets(
  destination: string,
  values: unknown,
  path: PropertyKey[],
  locate: Locate,
): Diagnostic[] {
  if (!isRecord(values)) return [];
  return secretKeys
    .filter((key) => typeof values[key] === 'string' && !ENV_VAR_ONLY.test(values[key] as string))
    .map((key) => ({
      file: locate([...path, key]),
      field: [...path, key].join('.'),
      message: `\`${key}\` is a literal value; credentials are read only through env_var() so they never live in the repository.`,
      fix: `${key}: "{{ env_var('${envVarNameFor(destination, key)}') }}" and set that variable where dbt-spoke runs`,
    }));
}

/**
 * Checks on the file as written that the schema cannot express: secrets only through env_var(),
 * destination names usable in `to:`, target overrides naming a destination and keys of its type.
 */
export function spokeYmlRules(raw: unknown, locate: Locate): Diagnostic[] {
  if (!isRecord(raw)) return [];
  const problems: Diagnostic[] = [];
  const destinations = isRecord(raw.destinations) ? raw.destinations : {};
  for (const [name, destination] of Object.entries(destinations)) {
    problems.push(...literalSecrets(name, destination, ['destinations', name], locate));
    if (!/^[A-Za-z0-9_-]+$/.test(name)) {
      problems.push({
        file: locate(['destinations', name]),
        field: `destinations.${name}`,
        message: `destination name \`${name}\` cannot be used in \`to: <destination>.<object>\`.`,
        fix: 'use letters, digits, `_` and `-` only, e.g. `salesforce_prod`',
      });
    }
  }
  const targets = isRecord(raw.targets) ? raw.targets : {};
  for (const [target, settings] of Object.entries(targets)) {
    if (!isRecord(settings) || !isRecord(settings.destinations)) continue;
    for (const [name, override] of Object.entries(settings.destinations)) {
      const path = ['targets', target, 'destinations', name];
      problems.push(...literalSecrets(name, override, path, locate));
      const destination = ownValue(destinations, name);
      if (!isRecord(destination)) {
        const known = Object.keys(destinations);
        problems.push({
          file: locate(path),
          field: path.join('.'),
          message: `target \`${target}\` overrides destination \`${name}\`, which is not defined under \`destinations\` (known: ${formatList(known)}).${didYouMean(name, known)}`,
          fix: `define \`${name}\` under \`destinations\`, or override one of ${formatList(known)}`,
        });
        continue;
      }
      const valid = ownValue(keysByType, String(destination.type));
      if (!valid || !isRecord(override)) continue;
      for (const key of Object.keys(override).filter(
        (k) => !valid.includes(k) && Object.values(keysByType).flat().includes(k),
      )) {
        problems.push({
          file: locate([...path, key]),
          field: [...path, key].join('.'),
          message: `\`${key}\` does not apply to ${String(destination.type)} destination \`${name}\`.${didYouMean(key, valid)}`,
          fix: `remove it; ${String(destination.type)} keys are ${formatList(valid)}`,
        });
      }
    }
  }
  return problems;
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/** Checks on the rendered destination: endpoints are URLs, credentials are complete. Never quotes values. */
export function destinationRules(
  destination: DestinationConfig,
  sandbox: boolean,
  locate: Locate,
): Diagnostic[] {
  const problems: Diagnostic[] = [];
  const at = (key?: string) => {
    const path = ['destinations', destination.name, ...(key ? [key] : [])];
    return { file: locate(path), field: path.join('.') };
  };
  const endpoints: Array<[string, string | undefined]> =
    destination.type === 'salesforce'
      ? [
          ['login_url', destination.loginUrl],
          ['instance_url', destination.instanceUrl],
        ]
      : [['base_url', destination.baseUrl]];
  for (const [key, value] of endpoints) {
    if (value !== undefined && !isHttpUrl(value)) {
      problems.push({
        ...at(key),
        message: `\`${key}\` of \`${destination.name}\` is not an http(s) URL once rendered.`,
        fix: `${key}: https://... (check the environment variable it reads)`,
      });
    }
  }
  if (sandbox) return problems;
  if (destination.type === 'hubspot') {
    if (!destination.accessToken) {
      problems.push({
        ...at('access_token'),
        message: `HubSpot destination \`${destination.name}\` has no access_token (or it rendered empty).`,
        fix: `access_token: "{{ env_var('${envVarNameFor(destination.name, 'access_token')}') }}" with a private app token, or route this target to the sandbox (\`targets: { <target>: { sandbox: true } }\`)`,
      });
    }
    return problems;
  }
  const { username, password, clientId, clientSecret, accessToken, instanceUrl } = destination;
  const fix = (missing: string) =>
    `${missing}; credentials are read through env_var(), e.g. password: "{{ env_var('${envVarNameFor(destination.name, 'password')}') }}", or route this target to the sandbox`;
  if (accessToken) {
    if (!instanceUrl) {
      problems.push({
        ...at('instance_url'),
        message: `Salesforce destination \`${destination.name}\` has an access_token but no instance_url.`,
        fix: fix('set instance_url to the org URL, e.g. https://acme.my.salesforce.com'),
      });
    }
  } else if (clientId && clientSecret) {
    if (Boolean(username) !== Boolean(password)) {
      problems.push({
        ...at(username ? 'password' : 'username'),
        message: `Salesforce destination \`${destination.name}\` has ${username ? 'a username but no password' : 'a password but no username'} (or it rendered empty).`,
        fix: fix('set both username and password, or neither for the client-credentials flow'),
      });
    }
  } else {
    const present = Object.entries({ username, password, client_id: clientId, client_secret: clientSecret })
      .filter(([, value]) => Boolean(value))
      .map(([key]) => key);
    problems.push({
      ...at(),
      message: `Salesforce destination \`${destination.name}\` has incomplete credentials (set: ${formatList(present)}); it needs username+password+client_id+client_secret, client_id+client_secret, or access_token+instance_url.`,
      fix: fix('add the missing keys'),
    });
  }
  return problems;
}
