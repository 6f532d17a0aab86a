import { randomUUID } from 'node:crypto';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { dbtCommand, isCompileOnly, succeededModels } from '../../dbt/run-selection.js';
import { SpokeError } from '../../errors.js';
import { parseDuration, seconds } from '../durations.js';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE } from '../exit-codes.js';
import { dbtCommandHelp, parseDbtArgs } from './args.js';

export function registerDbt(program: Command, setExitCode: (code: number) => void): void {
  program
    .command('dbt')
    .description('run dbt (e.g. `spoke dbt build`), then sync the models that succeeded in that invocation')
    .argument('[args...]', 'arguments for dbt, passed through unchanged (see spoke dbt --help)')
    .allowUnknownOption()
    .helpOption(false)
    .action(async (args: string[]) => {
      const parsed = parseDbtArgs(args);
      if (parsed.help) {
        process.stdout.write(dbtCommandHelp());
        setExitCode(EXIT_OK);
        return;
      }
      const [{ assertSameInvocation }, { runDbt }, { loadProject }, { runAndReport }] = await Promise.all([
        import('../../dbt/artifacts.js'),
        import('../../dbt/runner.js'),
        import('../../engine/load-project.js'),
        import('../views/run-view.js'),
      ]);
      const projectDir = parsed.projectDir ?? process.cwd();
      const location = {
        projectDir,
        ...(parsed.profilesDir ? { profilesDir: parsed.profilesDir } : {}),
        ...(parsed.target ? { target: parsed.target } : {}),
      };
      // With --json, stdout carries only spoke's document; dbt's output goes to stderr.
      const output = parsed.json
        ? { stdio: 'pipe' as const, onLine: (line: string) => process.stderr.write(`${line}\n`) }
        : { stdio: 'inherit' as const };

      if (parsed.dbtOnly) {
        // dbt prints its help or version and builds nothing, so there is nothing to sync.
        const help = await runDbt(parsed.dbtArgs, location);
        setExitCode(help.exitCode === 0 ? EXIT_OK : EXIT_USAGE);
        return;
      }

      // Validate meta.spoke before dbt builds anything, so a broken definition writes nothing.
      // The parse writes to a directory of its own: target/ keeps the artifacts `spoke sync` reads.
      const parseDir = join(resolve(projectDir), '.spoke', 'dbt-parse');
      const parse = await runDbt(['parse', '--target-path', parseDir], {
        ...location,
        stdio: 'pipe',
        onLine: () => {},
      });
      if (parse.outcome === 'ok') await loadProject({ ...location, targetDir: parseDir });

      const runId = randomUUID();
      const dbt = await runDbt(parsed.dbtArgs, { ...location, ...output, runId });
      if (dbt.outcome === 'crash') {
        process.stderr.write(`dbt exited with code ${dbt.exitCode} before finishing; nothing was synced.\n`);
        setExitCode(EXIT_USAGE);
        return;
      }

      const project = await loadProject(location);
      if (!project.runResults) {
        throw new SpokeError('SPOKE_ARTIFACTS_MISSING', 'dbt wrote no run_results.json; nothing to sync.');
      }
      assertSameInvocation(project.manifest, project.runResults);
      if (project.runResults.metadata.env?.SPOKE_RUN_ID !== runId) {
        throw new SpokeError(
          'SPOKE_ARTIFACTS_MISMATCH',
          `target/run_results.json was not written by the dbt run spoke started (run ${runId}). ` +
            'Did dbt write its artifacts to another --target-path? Pass the same one to spoke.',
        );
      }
      if (isCompileOnly(project.runResults)) {
        process.stderr.write(`dbt ${dbtCommand(project.runResults)} builds no models; nothing to sync.\n`);
        setExitCode(dbt.exitCode === 0 ? EXIT_OK : EXIT_FAILED);
        return;
      }
      const { exitCode } = await runAndReport({
        project,
        runId,
        json: parsed.json,
        builtModels: succeededModels(project.manifest, project.runResults),
        command: `dbt ${parsed.dbtArgs.join(' ')}`.trim(),
        fullRefresh: parsed.sync.fullRefresh,
        retryFailed: parsed.sync.retryFailed,
        allowDeletes: parsed.sync.allowDeletes,
        lockWaitMs: seconds(parsed.sync.wait ?? '0', '--spoke-wait') * 1000,
        timeoutMs: parseDuration(parsed.sync.timeout ?? '12h', '--spoke-timeout'),
        extra: { dbt: { exit_code: dbt.exitCode, args: parsed.dbtArgs } },
      });
      setExitCode(dbt.outcome === 'handled_errors' ? EXIT_FAILED : exitCode);
    });
}
