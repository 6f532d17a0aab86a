// `npm run demo`: builds the example dbt project on embedded DuckDB with real dbt, syncs it to
// the local Salesforce and HubSpot sandbox, and shows where to look at the records.
import { execFileSync, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const project = join(root, 'dbt_project_example');
const spoke = join(root, 'dist', 'cli', 'main.js');

console.log('dbt-spoke demo: dbt build on DuckDB, then sync to the local Salesforce and HubSpot sandbox\n');
const run = spawnSync(process.execPath, [spoke, 'dbt', 'build'], { cwd: project, stdio: 'inherit' });

// Exit 1 means some records failed: the example ships rows that must fail (malformed emails, a
// plan outside the picklist, a contact without a last name), so that is the expected outcome.
if (run.status !== 0 && run.status !== 1) process.exit(run.status ?? 2);

const show = (system, object) => {
  console.log(`\n$ npx spoke sandbox records ${system} ${object}   (first rows)`);
  const out = execFileSync(process.execPath, [spoke, 'sandbox', 'records', system, object], { cwd: project });
  const lines = out.toString().trimEnd().split('\n');
  console.log([...lines.slice(0, 6), lines.length > 7 ? '…' : '', lines.at(-1)].filter(Boolean).join('\n'));
};
show('salesforce', 'Contact');
show('hubspot', 'companies');

console.log(`
The rows reported as failed above were rejected by the sandbox exactly as Salesforce and HubSpot
would reject them. Look around:
  cd dbt_project_example
  npx spoke sandbox records salesforce Account      # every Account the sync wrote
  npx spoke sandbox records hubspot contacts --json
  npx spoke sync --dry-run                          # plan again without writing
`);
