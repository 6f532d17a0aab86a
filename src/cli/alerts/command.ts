import type { Command } from 'commander';
import pc from 'picocolors';
import type { loadProject } from '../../engine/load-project.js';
import { ConfigError } from '../../errors.js';
import type { AlertStateRow, PendingDelivery } from '../../state/state-store.js';
import { redact } from '../../util/redact.js';
import { closestMatches, formatList } from '../../util/suggest.js';
import { commonOptions, withCommonOptions } from '../common-options.js';
import { EXIT_FAILED, EXIT_OK } from '../exit-codes.js';
import { formatTable } from '../views/table.js';

export function registerAlerts(program: Command, setExitCode: (code: number) => void): void {
  const alerts = program
    .command('alerts')
    .description('alert health of every sync, and a test message per channel');

  withCommonOptions(
    alerts
      .command('status')
      .description("each sync's health, since when, the last alert sent and pending deliveries"),
  ).action(async (raw: Record<string, unknown>) => {
    const common = commonOptions(raw);
    const project = await (await import('../../engine/load-project.js')).loadProject(common);
    const { states, pending } = await readAlertState(project);
    const byId = new Map(states.map((state) => [state.syncId, state]));
    const syncs = project.specs.map((spec) => {
      const state = byId.get(spec.id);
      return {
        id: spec.id,
        health: state?.health ?? 'unknown',
        since: state?.since.toISOString() ?? null,
        failing_runs: state?.failingRuns ?? 0,
        last_run_id: state?.lastRunId ?? null,
        last_alert_id: state?.lastMessageId ?? null,
        muted: spec.alerts?.mute ?? false,
      };
    });
    const deliveries = pending.map((delivery) => ({
      message_id: delivery.messageId,
      kind: delivery.kind,
      channel: delivery.channel,
      attempts: delivery.attempts,
      next_attempt_at: delivery.nextAttemptAt.toISOString(),
      last_error: delivery.lastError,
    }));
    if (common.json) {
      process.stdout.write(
        redact(
          `${JSON.stringify({ configured: project.config.alerts !== null, syncs, pending: deliveries }, null, 2)}\n`,
        ),
      );
    } else {
      if (!project.config.alerts)
        process.stdout.write('No alerts are configured (spoke.yml has no `alerts:`).\n');
      const rows = syncs.map((s) => [
        s.health === 'failing'
          ? pc.red('failing')
          : s.health === 'healthy'
            ? pc.green('healthy')
            : pc.dim('never run'),
        s.id,
        s.since ? `since ${s.since}` : '',
        s.health === 'failing' ? `${s.failing_runs} run${s.failing_runs === 1 ? '' : 's'}` : '',
        s.last_alert_id ?? '',
        s.muted ? 'muted' : '',
      ]);
      process.stdout.write(
        `${formatTable(['health', 'sync', 'since', 'failing', 'last alert', ''], rows, 60)}\n`,
      );
      if (deliveries.length === 0) process.stdout.write('No alert deliveries pending.\n');
      for (const d of deliveries) {
        process.stdout.write(
          redact(
            `Pending: ${d.kind} ${d.message_id} to ${d.channel} (${d.attempts} tries; next ${d.next_attempt_at}${d.last_error ? `; last error: ${d.last_error}` : ''})\n`,
          ),
        );
      }
    }
    setExitCode(EXIT_OK);
  });

  withCommonOptions(
    alerts
      .command('test')
      .description('send a clearly marked test message to every channel, or one, to check its credentials')
      .option('--channel <name>', 'only this channel'),
  ).action(async (raw: Record<string, unknown>) => {
    const common = commonOptions(raw);
    const [{ loadProject }, { testMessage }, { sendAlert }] = await Promise.all([
      import('../../engine/load-project.js'),
      import('../../alerts/message.js'),
      import('../../alerts/send.js'),
    ]);
    const project = await loadProject(common);
    const channels = project.config.alerts?.channels ?? [];
    if (channels.length === 0)
      throw new ConfigError('spoke.yml configures no alert channels (`alerts.channels`).');
    const wanted = typeof raw.channel === 'string' ? raw.channel : undefined;
    const chosen = wanted ? channels.filter((channel) => channel.name === wanted) : channels;
    if (wanted && chosen.length === 0) {
      const names = channels.map((channel) => channel.name);
      const [near] = closestMatches(wanted, names, 1);
      throw new ConfigError(
        `There is no alert channel \`${wanted}\` in spoke.yml (channels: ${formatList(names)}).${near ? ` Did you mean \`${near}\`?` : ''}`,
      );
    }
    let failed = 0;
    const results = [];
    for (const channel of chosen) {
      try {
        await sendAlert(channel, testMessage(project.target, new Date()));
        results.push({ channel: channel.name, type: channel.type, delivered: true });
        if (!common.json)
          process.stdout.write(`${pc.green('✓')} test alert sent to ${channel.name} (${channel.type})\n`);
      } catch (error) {
        failed++;
        const message = redact(error instanceof Error ? error.message : String(error));
        results.push({ channel: channel.name, type: channel.type, delivered: false, error: message });
        if (!common.json)
          process.stdout.write(`${pc.red('✗')} ${channel.name} (${channel.type}): ${message}\n`);
      }
    }
    if (common.json) process.stdout.write(redact(`${JSON.stringify({ channels: results }, null, 2)}\n`));
    setExitCode(failed > 0 ? EXIT_FAILED : EXIT_OK);
  });
}

/** What the state tables say; nothing when the project never synced. */
async function readAlertState(
  project: Awaited<ReturnType<typeof loadProject>>,
): Promise<{ states: AlertStateRow[]; pending: PendingDelivery[] }> {
  const [{ openWarehouse }, { openStateStore }] = await Promise.all([
    import('../../warehouse/open-warehouse.js'),
    import('../../state/open-state-store.js'),
  ]);
  const warehouse = await openWarehouse(project.connection);
  try {
    const state = await openStateStore(warehouse, { schema: project.config.state.schema });
    const exists = await warehouse.sql.query(
      `SELECT 1 AS found FROM information_schema.tables WHERE table_schema = $1 AND table_name = 'alert_state'`,
      [project.config.state.schema],
    );
    if (exists.length === 0) return { states: [], pending: [] };
    return { states: await state.alertStates(), pending: await state.pendingDeliveries() };
  } finally {
    await warehouse.close();
  }
}
