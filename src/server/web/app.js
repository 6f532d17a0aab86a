import { api, encode, token, Unauthorized } from './api.js';
import { h, statusBadge, time, took } from './dom.js';
import { showRunDetail } from './run-detail.js';
import { drawRunsChart } from './runs-chart.js';
import { drawSyncGraph } from './sync-graph.js';

const view = document.getElementById('view');
const login = document.getElementById('login');
const forget = document.getElementById('forget');

async function overview(render) {
  const [{ recorded, runs }, { syncs }] = await Promise.all([
    api('/v1/runs?limit=50&include=syncs'),
    api('/v1/syncs'),
  ]);
  if (!recorded || runs.length === 0) {
    render(
      h(
        'p',
        { class: 'empty' },
        'No runs recorded yet: `spoke sync` or `spoke dbt build` records every run.',
      ),
    );
    return;
  }
  const chart = h('div', { id: 'runs-chart' });
  const graph = h('div', { id: 'sync-graph', class: 'graph' });
  const shown = render(
    h('section', { id: 'chart-section' }, h('h2', {}, 'Records synced and failed per run'), chart),
    h('section', { id: 'runs-section' }, h('h2', {}, 'Runs'), runsTable(runs)),
    h('section', { id: 'graph-section' }, h('h2', {}, 'Sync order (last run of each sync)'), graph),
  );
  if (!shown) return;
  document.getElementById('where').textContent = '';
  drawRunsChart(chart, runs.slice().reverse());
  drawSyncGraph(
    graph,
    syncs,
    new Map(
      syncs.map((sync) => [
        sync.id,
        sync.last_run && { status: sync.last_run.status, failed: sync.last_run.failed },
      ]),
    ),
  );
}

function runsTable(runs) {
  // Still failing: rows an earlier run could not sync that did not change; they keep a run from success.
  const head = [
    'run',
    'started',
    'took',
    'status',
    'command',
    'synced',
    'failed',
    'still failing',
    'invalid',
    'unchanged',
  ];
  return h(
    'table',
    { class: 'runs' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        head.map((name) => h('th', {}, name)),
      ),
    ),
    h(
      'tbody',
      {},
      runs.map((run) =>
        h(
          'tr',
          {},
          h('td', {}, h('a', { href: `#/runs/${encode(run.run_id)}` }, run.run_id.slice(0, 8))),
          h('td', {}, time(run.started_at)),
          h('td', {}, took(run.duration_ms)),
          h('td', {}, statusBadge(run.status)),
          h('td', {}, run.command),
          h('td', { class: 'n' }, String(run.totals.records_updated)),
          h('td', { class: 'n' }, String(run.totals.records_failed)),
          h('td', { class: 'n' }, String(run.totals.still_failing)),
          h('td', { class: 'n' }, String(run.totals.records_invalid)),
          h('td', { class: 'n' }, String(run.totals.unchanged)),
        ),
      ),
    ),
  );
}

/** Counts navigations: a view whose answers come after the reader moved on is not drawn. */
let navigation = 0;

async function route() {
  const mine = ++navigation;
  const render = (...nodes) => {
    if (mine !== navigation) return false;
    view.replaceChildren(...nodes);
    return true;
  };
  const match = /^#\/runs\/(.+)$/.exec(location.hash);
  try {
    if (match) await showRunDetail(render, decodeURIComponent(match[1]));
    else await overview(render);
  } catch (error) {
    if (mine !== navigation) return;
    if (error instanceof Unauthorized) return askToken(token.get() ? error.message : '');
    render(h('p', { class: 'error', role: 'alert' }, error.message));
  }
}

function askToken(message) {
  token.forget();
  view.replaceChildren();
  forget.hidden = true;
  login.hidden = false;
  document.getElementById('login-error').textContent = message ?? '';
  document.getElementById('token').focus();
}

login.addEventListener('submit', (event) => {
  event.preventDefault();
  token.set(document.getElementById('token').value.trim());
  document.getElementById('token').value = '';
  login.hidden = true;
  forget.hidden = false;
  route();
});
forget.addEventListener('click', () => askToken());
window.addEventListener('hashchange', route);

// A server started with --no-auth answers without a token: then none is asked.
forget.hidden = !token.get();
route();
