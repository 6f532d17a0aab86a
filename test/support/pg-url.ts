import type { PostgresConnection } from '../../src/warehouse/warehouse.js';

/** A postgres:// URL as the connection a dbt target would describe. */
export function pgUrlToConnection(
  url: string,
  options: { schema?: string; type?: PostgresConnection['type'] } = {},
): PostgresConnection {
  const parsed = new URL(url);
  const password = decodeURIComponent(parsed.password);
  return {
    type: options.type ?? 'postgres',
    host: parsed.hostname,
    port: parsed.port ? Number(parsed.port) : 5432,
    user: decodeURIComponent(parsed.username) || 'postgres',
    ...(password ? { password } : {}),
    database: decodeURIComponent(parsed.pathname.replace(/^\//, '')) || 'postgres',
    schema: options.schema ?? 'public',
    sslmode: parsed.searchParams.get('sslmode') ?? 'disable',
  };
}
