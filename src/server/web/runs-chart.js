import uPlot from './vendor/uPlot.esm.js';

const ALL = '';
const SYNCED = '#2f7d32';
const FAILED = '#c62828';

/**
 * Records synced (created + updated + deleted: Census's records_updated) and failed per run,
 * over time, for all syncs or the one picked. `details` are GET /v1/runs/{id} answers, oldest first.
 */
export function drawRunsChart(container, details) {
  const syncIds = [...new Set(details.flatMap((detail) => detail.syncs.map((sync) => sync.sync_id)))].sort();
  const picker = document.createElement('select');
  picker.setAttribute('aria-label', 'Sync');
  picker.append(new Option('All syncs', ALL), ...syncIds.map((id) => new Option(id, id)));
  const plot = document.createElement('div');
  container.replaceChildren(picker, plot);

  let chart = null;
  const draw = () => {
    const pick = picker.value;
    const counts = (detail) => {
      if (pick === ALL) return detail.run.totals;
      return (
        detail.syncs.find((sync) => sync.sync_id === pick) ?? { records_updated: null, records_failed: null }
      );
    };
    const data = [
      details.map((detail) => Date.parse(detail.run.started_at) / 1000),
      details.map((detail) => counts(detail).records_updated),
      details.map((detail) => counts(detail).records_failed),
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
