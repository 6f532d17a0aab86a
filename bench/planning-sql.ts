// The bare planning query of a project's syncs, run alone against the warehouse: what a rerun
// that finds nothing to send cannot go below. A no-change `spoke sync` is compared with it.
import { loadProject } from '../src/engine/load-project.js';
import { planSql } from '../src/state/plan-sql.js';
import { stateDialect } from '../src/state/state-dialect.js';
import { stateTables } from '../src/state/state-tables.js';
import { openWarehouse } from '../src/warehouse/open-warehouse.js';

/**
 * Seconds the counts statement of every sync takes (the only planning statement a rerun with
 * nothing changed runs), best of `rounds` after one warm-up, so it is the query's own time.
 */
export async function barePlanningSeconds(projectDir: string, rounds = 3): Promise<number> {
  const project = await loadProject({ projectDir });
  const warehouse = await openWarehouse(project.connection);
  try {
    const session = warehouse.sql;
    const dialect = stateDialect(project.connection.type);
    const table = stateTables(project.config.state.schema);
    const statements: { sql: string; params: string[] }[] = [];
    for (const spec of project.specs) {
      const columns = await warehouse.columns(spec.relation);
      const sql = planSql({
        spec,
        relation: session.relationSql(spec.relation),
        types: new Map(columns.map((c) => [c.name, c.type])),
        dialect,
        table,
        fullRefresh: false,
        retryFailed: false,
        // As a sync plans it: Salesforce external ids (unless case-sensitive) match ignoring case.
        ignoreKeyCase: project.config.destinations[spec.destination]?.type === 'salesforce',
      });
      statements.push({ sql: sql.counts, params: [spec.id] });
    }
    // With the threads a sync plans with (DuckDB: every core).
    const plan = async () => {
      let best = Number.POSITIVE_INFINITY;
      for (let round = 0; round <= rounds; round++) {
        const started = performance.now();
        for (const statement of statements) await session.query(statement.sql, statement.params);
        const seconds = (performance.now() - started) / 1000;
        if (round > 0) best = Math.min(best, seconds);
      }
      return best;
    };
    return warehouse.withAllThreads ? await warehouse.withAllThreads(plan) : await plan();
  } finally {
    await warehouse.close();
  }
}
