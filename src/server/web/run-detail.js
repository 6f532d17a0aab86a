import { api, encode } from './api.js';
import { h, statusBadge, time, took } from './dom.js';
import { drawSyncGraph } from './sync-graph.js';

const COUNTS = [
  'attempted',
  'created',
  'updated',
  'deleted',
  'failed',
  'invalid',
  'skipped',
  'unchanged',
  'still_failing',
];

/**
 * One run: its syncs' counts, the sync order with this run's outcomes, errors by code, failed
 * records. `render` replaces the view, and says false when the reader has moved on meanwhile.
 */
export async function showRunDetail(render, ref) {
  const [detail, { syncs }] = await Promise.all([api(`/v1/runs/${encode(ref)}`), api('/v1/syncs')]);
  const { run } = detail;
  const graph = h('div', { id: 'run-graph', class: 'graph' });
  const records = h('div', { id: 'failed-records' });
  const shown = render(
    h(
      'section',
      { id: 'run-summary' },
      h('h2', {}, 'Run ', h('code', {}, run.run_id), ' ', statusBadge(run.status)),
      h(
        'p',
        {},
        `${run.command} on target ${run.target}, started ${time(run.started_at)}, took ${took(run.duration_ms)}. `,
        `${run.totals.records_updated} records synced, ${run.totals.records_failed} failed, ${run.totals.records_invalid} invalid.`,
      ),
      run.error ? h('p', { class: 'error' }, run.error) : null,
      syncTable(detail.syncs),
    ),
    h('section', { id: 'run-graph-section' }, h('h2', {}, 'Sync order in this run'), graph),
    h('section', { id: 'errors-section' }, h('h2', {}, 'Errors by code'), errorGroups(detail.syncs)),
    h('section', { id: 'records-section' }, h('h2', {}, 'Failed records'), records),
  );
  if (!shown) return;
  document.getElementById('where').textContent = `run ${run.run_id}`;
  drawSyncGraph(
    graph,
    syncs,
    new Map(detail.syncs.map((sync) => [sync.sync_id, { status: sync.status, failed: sync.failed }])),
  );
  await failedRecords(records, run.run_id);
}

function syncTable(syncs) {
  if (syncs.length === 0) return h('p', { class: 'empty' }, 'No sync was recorded for this run.');
  return h(
    'table',
    { class: 'syncs' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ['sync', 'status', ...COUNTS.map((c) => c.replace('_', ' ')), 'took'].map((n) => h('th', {}, n)),
      ),
    ),
    h(
      'tbody',
      {},
      syncs.map((sync) =>
        h(
          'tr',
          { 'data-sync': sync.sync_id },
          h('td', {}, sync.sync_id, sync.error ? h('div', { class: 'error' }, sync.error) : null),
          h('td', {}, statusBadge(sync.status)),
          COUNTS.map((count) => h('td', { class: `n count-${count}` }, String(sync[count]))),
          h('td', { class: 'n' }, took(sync.duration_ms)),
        ),
      ),
    ),
  );
}

function errorGroups(syncs) {
  const failing = syncs.filter((sync) => sync.errors.length > 0);
  if (failing.length === 0) return h('p', { class: 'empty' }, 'No record failed in this run.');
  return failing.map((sync) =>
    h(
      'div',
      { class: 'error-sync' },
      h('h3', {}, sync.sync_id),
      sync.errors.map((group) =>
        h(
          'details',
          { open: '' },
          h(
            'summary',
            {},
            h('code', {}, group.code ?? '(no code)'),
            `: ${group.count} record${group.count === 1 ? '' : 's'}`,
          ),
          h(
            'ul',
            {},
            group.samples.map((sample) => h('li', {}, h('code', {}, sample.key), ` ${sample.message ?? ''}`)),
          ),
        ),
      ),
    ),
  );
}

/** The run's failed attempts, filtered by key as you type; further pages on demand. */
async function failedRecords(container, runId) {
  const rows = [];
  let cursor = null;
  const search = h('input', {
    type: 'search',
    placeholder: 'Filter by record key',
    'aria-label': 'Record key',
  });
  const body = h('tbody');
  const more = h('button', { type: 'button', hidden: '' }, 'Load more');
  const count = h('p', { class: 'count' });
  const render = () => {
    const needle = search.value.trim().toLowerCase();
    const shown = rows.filter((row) => row.record_key.toLowerCase().includes(needle));
    count.textContent = `${shown.length} of ${rows.length} failed attempt${rows.length === 1 ? '' : 's'} loaded`;
    body.replaceChildren(
      ...shown.map((row) =>
        h(
          'tr',
          { 'data-key': row.record_key },
          h('td', {}, row.sync_id),
          h('td', {}, h('code', {}, row.record_key)),
          h('td', {}, row.error_code ?? ''),
          h('td', { class: 'message' }, row.error_message ?? ''),
          h('td', {}, row.destination_id ?? ''),
          h('td', { class: 'n' }, String(row.attempt)),
        ),
      ),
    );
  };
  const load = async () => {
    const page = await api(
      `/v1/runs/${encode(runId)}/records?status=failed&limit=500${cursor ? `&cursor=${encode(cursor)}` : ''}`,
    );
    rows.push(...page.records);
    cursor = page.next_cursor;
    more.hidden = !cursor;
    render();
  };
  search.addEventListener('input', render);
  more.addEventListener('click', load);
  container.replaceChildren(
    search,
    count,
    h(
      'table',
      { class: 'records' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['sync', 'key', 'error code', 'destination’s message', 'destination id', 'attempt'].map((n) =>
            h('th', {}, n),
          ),
        ),
      ),
      body,
    ),
    more,
  );
  await load();
}
