import { describe, expect, it } from 'vitest';
import { repoRoot, runSpoke } from '../support/spoke-cli.js';

/** Node options that print every module the process loads, one `LOADED <url>` line each. */
function tracingImports(): string {
  const hooks = `export async function resolve(specifier, context, next) {
    const resolved = await next(specifier, context);
    process.stderr.write('LOADED ' + resolved.url + '\\n');
    return resolved;
  }`;
  const register = `import { register } from 'node:module';
    register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hooks)}));`;
  return `--import=data:text/javascript,${encodeURIComponent(register)}`;
}

describe('spoke startup', () => {
  it('prints its help without loading a warehouse driver, destination client, sandbox server or mail transport', async () => {
    const result = await runSpoke(['--help'], { cwd: repoRoot, env: { NODE_OPTIONS: tracingImports() } });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('sync');
    const loaded = result.stderr.split('\n').filter((line) => line.startsWith('LOADED '));
    expect(loaded.some((line) => line.includes('/dist/cli/main.js'))).toBe(true);
    for (const heavy of ['@duckdb/', '/node_modules/pg/', 'jsforce', '@hubspot/', 'fastify', 'nodemailer']) {
      expect(loaded.filter((line) => line.includes(heavy))).toEqual([]);
    }
  });
});
