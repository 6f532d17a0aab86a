import type { Command } from 'commander';
import pc from 'picocolors';
import { loadProject } from '../../engine/load-project.js';
import { stages } from '../../graph/stages.js';
import { commonOptions, withCommonOptions } from '../common-options.js';
import { EXIT_OK } from '../exit-codes.js';

export function registerValidate(program: Command, setExitCode: (code: number) => void): void {
  withCommonOptions(
    program
      .command('validate')
      .description('check meta.spoke, spoke.yml, profiles and sync order without contacting any destination'),
  ).action(async (raw: Record<string, unknown>) => {
    const common = commonOptions(raw);
    const project = await loadProject(common);
    const order = stages(project.graph).map((stage) => stage.map((spec) => spec.id));
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
        `${JSON.stringify({ valid: true, target: project.target, syncs, stages: order }, null, 2)}\n`,
      );
    } else {
      process.stdout.write(
        `${pc.green('✓')} ${project.specs.length} syncs valid (target ${project.target})\n`,
      );
      order.forEach((ids, index) => {
        process.stdout.write(`  ${index + 1}. ${ids.join(', ')}\n`);
      });
    }
    setExitCode(EXIT_OK);
  });
}
