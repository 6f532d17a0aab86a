import type { Command } from 'commander';
import pc from 'picocolors';
import { ConfigError, formatDiagnostic } from '../../errors.js';
import { stages } from '../../graph/stages.js';
import { commonOptions, withCommonOptions } from '../common-options.js';
import { EXIT_OK } from '../exit-codes.js';

const plural = (count: number, one: string, many = `${one}s`) => `${count} ${count === 1 ? one : many}`;

export function registerValidate(program: Command, setExitCode: (code: number) => void): void {
  withCommonOptions(
    program
      .command('validate')
      .description(
        'check meta.spoke (from target/manifest.json: run dbt parse or build first), spoke.yml, the profile, the sync order, and destination fields against schemas saved by `spoke schema pull`; contacts no warehouse or destination',
      ),
  ).action(async (raw: Record<string, unknown>) => {
    const common = commonOptions(raw);
    const [{ loadProject }, { checkSavedSchemas }] = await Promise.all([
      import('../../engine/load-project.js'),
      import('../../engine/offline-check.js'),
    ]);
    const project = await loadProject(common);
    const order = stages(project.graph).map((stage) => stage.map((spec) => spec.id));
    const offline = await checkSavedSchemas(project);
    const warnings = [...project.warnings, ...offline.warnings];
    if (offline.diagnostics.length > 0) {
      const count = plural(offline.diagnostics.length, 'problem');
      throw new ConfigError(
        `${count} against the destination schemas saved in spoke_schemas/ (checked offline: ${offline.checked.join(', ')})`,
        offline.diagnostics,
      );
    }
    if (common.json) {
      const syncs = project.specs.map((spec) => ({
        id: spec.id,
        model: spec.model,
        destination: spec.destination,
        object: spec.object,
        mode: spec.mode,
        key: spec.key,
        match: spec.match,
        after: spec.after,
      }));
      process.stdout.write(
        `${JSON.stringify(
          {
            valid: true,
            target: project.target,
            checked: ['meta.spoke', 'spoke.yml', 'profile', 'sync order'],
            checked_when_syncing: ['model columns in the warehouse', 'destination fields'],
            checked_offline: offline.checked,
            no_saved_schema: offline.unsaved,
            syncs,
            stages: order,
            warnings,
          },
          null,
          2,
        )}\n`,
      );
    } else {
      const what =
        project.specs.length === 0 ? 'no model declares meta.spoke' : plural(project.specs.length, 'sync');
      process.stdout.write(
        `${pc.green('✓')} Configuration valid (target ${project.target}): ${what}. ` +
          'Checked meta.spoke, spoke.yml, the profile and the sync order; the model columns in the warehouse ' +
          'and the destination fields are checked when syncing.\n',
      );
      order.forEach((ids, index) => {
        process.stdout.write(`  ${index + 1}. ${ids.join(', ')}\n`);
      });
      if (offline.checked.length > 0) {
        process.stdout.write(
          `${pc.green('✓')} Destination fields checked offline against spoke_schemas/: ${offline.checked.join(', ')}.\n`,
        );
      }
      if (offline.unsaved.length > 0) {
        const missing = [...new Set(offline.unsaved.flatMap((sync) => sync.missing))];
        process.stdout.write(
          `  No saved schema (${missing.join(', ')}) for ${offline.unsaved.map((sync) => sync.id).join(', ')}; ` +
            '`spoke schema pull` saves them for offline checks.\n',
        );
      }
      if (warnings.length > 0) {
        process.stdout.write(`${pc.yellow('!')} ${plural(warnings.length, 'warning')}:\n`);
        for (const warning of warnings) {
          process.stdout.write(`  ${pc.yellow('!')} ${formatDiagnostic(warning)}\n`);
        }
      }
    }
    setExitCode(EXIT_OK);
  });
}
