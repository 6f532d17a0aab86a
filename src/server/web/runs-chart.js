import uPlot from './vendor/uPlot.esm.js';

const ALL = '';
const SYNCED = '#2f7d32';
const FAILED = '#c62828';

/**
 * Records synced (created + updated + deleted: Census's records_updated) and failed per run,
 * over time, for all syncs or the one picked. `runs` are GET /v1/runs?include=syncs items,
 * oldest first: one request draws the chart, however many runs it shows.
 */
export function drawRunsChart(container, runs) {
  const syncIds = [...new Set(runs.flatMap((run) => run.sync_counts.map((sync) => sync.sync_id)))].sort();
  const picker = document.createElement('select');
  picker.setAttribute('aria-label', 'Sync');
  picker.append(new Option('All syncs', ALL), ...syncIds.map((id) => new Option(id, id)));
  const plot = document.createElement('div');
  container.replaceChildren(picker, plot);

  let chart = null;
  const draw = () => {
    const pick = picker.value;
    const counts = (run) => {
      if (pick === ALL) return run.totals;
      return (
        run.sync_counts.find((sync) => sync.sync_id === pick) ?? {
          records_updated: null,
          records_failed: null,
        }
      );
    };
    const data = [
      runs.map((run) => Date.parse(run.started_at) / 1000),
      runs.map((run) => counts(run).records_updated),
      runs.map((run) => counts(run).records_failed),
    ];
    chart?.destroy();
    chart = new uPlot(
      {
        width: Math.max(320, container.clientWidth - 16),
        height: 260,
        scales: { x: { time: true } },
        series: [
          { label: 'run started' },
          { label: 'synced', stroke: SYNCED, width: 2, points: { size: 7, fill: SYNCED } },
          { label: 'failed', stroke: FAILED, width: 2, points: { size: 7, fill: FAILED } },
        ],
        axes: [{}, { label: 'records' }],
      },
      data,
      plot,
    );
  };
  picker.addEventListener('change', draw);
  draw();
}
