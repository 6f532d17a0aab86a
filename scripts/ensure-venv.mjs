#!/usr/bin/env node
// Creates <repo>/.venv with the pinned dbt from requirements.txt, once per requirements change.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const venv = join(root, '.venv');
const requirements = join(root, 'requirements.txt');
const stamp = join(venv, '.requirements.sha256');
const isWindows = process.platform === 'win32';
const venvPython = isWindows ? join(venv, 'Scripts', 'python.exe') : join(venv, 'bin', 'python');

function fail(message) {
  console.error(`ensure-venv: ${message}`);
  process.exit(1);
}

function run(command, args) {
  const result = spawnSync(command, args, { stdio: 'inherit', cwd: root });
  if (result.error) fail(`could not run ${command}: ${result.error.message}`);
  if (result.status !== 0) fail(`${command} ${args.join(' ')} exited with ${result.status}`);
}

function findPython() {
  const candidates = process.env.PYTHON
    ? [process.env.PYTHON]
    : isWindows
      ? ['python', 'py']
      : ['python3', 'python'];
  for (const candidate of candidates) {
    const probe = spawnSync(candidate, ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], {
      encoding: 'utf8',
    });
    if (probe.status !== 0 || !probe.stdout) continue;
    const [major, minor] = probe.stdout.trim().split('.').map(Number);
    if (major === 3 && minor >= 9) return candidate;
    fail(
      `${candidate} is Python ${probe.stdout.trim()}; dbt needs Python >= 3.9. Install a newer Python or set PYTHON=/path/to/python3.`,
    );
  }
  fail(
    'Python >= 3.9 was not found (tried ' +
      candidates.join(', ') +
      '). Install Python 3 (https://www.python.org/downloads/) or set PYTHON=/path/to/python3.',
  );
}

if (!existsSync(requirements)) fail(`${requirements} is missing`);
const wanted = createHash('sha256').update(readFileSync(requirements)).digest('hex');
const current = existsSync(stamp) ? readFileSync(stamp, 'utf8').trim() : null;

if (existsSync(venvPython) && current === wanted) {
  console.log(`ensure-venv: ${venv} is up to date with requirements.txt`);
  process.exit(0);
}

if (!existsSync(venvPython)) {
  const python = findPython();
  console.log(`ensure-venv: creating ${venv} with ${python}`);
  run(python, ['-m', 'venv', venv]);
}
console.log('ensure-venv: installing requirements.txt (dbt-core, dbt-postgres, dbt-duckdb)');
run(venvPython, ['-m', 'pip', 'install', '--disable-pip-version-check', '--quiet', '-r', requirements]);
writeFileSync(stamp, `${wanted}\n`);
console.log(`ensure-venv: ${venv} is ready`);
