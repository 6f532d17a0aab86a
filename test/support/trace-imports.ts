/** Node options that print every module the process loads, one `LOADED <url>` line each. */
export function tracingImports(): string {
  const hooks = `export async function resolve(specifier, context, next) {
    const resolved = await next(specifier, context);
    process.stderr.write('LOADED ' + resolved.url + '\\n');
    return resolved;
  }`;
  const register = `import { register } from 'node:module';
    register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hooks)}));`;
  return `--import=data:text/javascript,${encodeURIComponent(register)}`;
}

/** The `LOADED <url>` lines a process run with tracingImports() wrote on stderr. */
export function loadedModules(stderr: string): string[] {
  return stderr.split('\n').filter((line) => line.startsWith('LOADED '));
}
