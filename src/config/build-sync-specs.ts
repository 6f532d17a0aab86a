import type { z } from 'zod';
import type { ModelSpokeBlock } from '../dbt/spoke-meta.js';
import type { Diagnostic } from '../errors.js';
import { closestMatches, formatList } from '../util/suggest.js';
import { type BlockContext, blockRules, blockWarnings } from './block-rules.js';
import { fieldLimitDiagnostic, syncLimitDiagnostic } from './input-limits.js';
import { issuesToDiagnostics } from './issues-to-diagnostics.js';
import { spokeBlockSchema } from './meta-schema.js';
import { reservedKeyDiagnostics } from './reserved-keys.js';
import type { SpokeConfig, SyncSpec } from './types.js';

type SpokeBlock = z.output<typeof spokeBlockSchema>;

export interface BuildSyncSpecsOptions {
  /** Every model in the manifest: lets `after` tell "no such model" from "a model without syncs". */
  models?: Iterable<string>;
}

export interface BuildSyncSpecsResult {
  /** Specs of the blocks without problems. Call assertValid(diagnostics) before running anything. */
  specs: SyncSpec[];
  diagnostics: Diagnostic[];
  /** Doubts that stop nothing (a mapped column schema.yml does not document); `spoke validate` prints them. */
  warnings: Diagnostic[];
}

interface Declared {
  block: ModelSpokeBlock;
  index: number;
  written: SpokeBlock;
  spec: SyncSpec;
  problems: Diagnostic[];
  warnings: Diagnostic[];
}

/** mirror: share of a sync's records one run may delete without --allow-deletes. */
export const DEFAULT_MAX_DELETE_RATIO = 0.2;

export function syncId(model: string, to: string, name?: string): string {
  return name ?? `${model}:${to}`;
}

function normalise(block: ModelSpokeBlock, index: number, written: SpokeBlock): SyncSpec {
  const dot = written.to.indexOf('.');
  const spec: SyncSpec = {
    id: syncId(block.name, written.to, written.name),
    model: block.name,
    uniqueId: block.uniqueId,
    relation: block.relation,
    destination: written.to.slice(0, dot),
    object: written.to.slice(dot + 1),
    key: written.key,
    match: written.match,
    mode: written.mode ?? 'upsert',
    fields: [],
    lookups: [],
    associations: (written.associations ?? []).map((a) => ({
      to: a.to,
      column: a.column,
      match: a.match,
      ...(a.type !== undefined && { typeId: a.type }),
    })),
    after:
      written.after === undefined ? [] : typeof written.after === 'string' ? [written.after] : written.after,
    onNull: written.on_null ?? 'clear',
    maxDeleteRatio: written.max_delete_ratio ?? DEFAULT_MAX_DELETE_RATIO,
    ...(written.alerts && {
      alerts: {
        ...(written.alerts.failed_records_ratio !== undefined && {
          failedRecordsRatio: written.alerts.failed_records_ratio,
        }),
        ...(written.alerts.channels && { channels: written.alerts.channels }),
        ...(written.alerts.mute !== undefined && { mute: written.alerts.mute }),
      },
    }),
    source: { file: block.file, index },
  };
  for (const [column, target] of Object.entries(written.fields ?? {})) {
    if (typeof target === 'string') spec.fields.push({ column, field: target });
    else
      spec.lookups.push({ column, relationship: target.lookup, object: target.object, match: target.match });
  }
  return spec;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The id a malformed block would have, so references to it do not cascade into more errors. */
function guessId(model: string, raw: unknown): string | undefined {
  if (!isRecord(raw)) return undefined;
  if (typeof raw.name === 'string') return raw.name;
  return typeof raw.to === 'string' ? syncId(model, raw.to) : undefined;
}

function modelDiagnostics(block: ModelSpokeBlock): Diagnostic[] {
  const at = { file: block.file, model: block.name, field: 'spoke' };
  const problems: Diagnostic[] = [];
  if (!isRecord(block.raw) && !Array.isArray(block.raw)) {
    problems.push({
      ...at,
      message: `expected a sync block or a list of them, got ${block.raw === null ? 'null' : typeof block.raw}.`,
      fix: 'write `spoke: [{ to: <destination>.<object>, key: <column>, match: <field>, fields: {...} }]`',
    });
  }
  if (block.materialized === 'ephemeral') {
    problems.push({
      ...at,
      message: `${block.name} is ephemeral: dbt builds no relation that rows could be read from.`,
      fix: "materialize it as a view or table (`{{ config(materialized='view') }}`), or move the spoke block to a model that selects from it",
    });
  }
  return problems;
}

function duplicateIds(declared: Declared[]): void {
  const first = new Map<string, Declared>();
  for (const entry of declared) {
    const earlier = first.get(entry.spec.id);
    if (!earlier) {
      first.set(entry.spec.id, entry);
      continue;
    }
    entry.problems.push({
      file: entry.block.file,
      model: entry.block.name,
      field: `spoke[${entry.index}].${entry.written.name !== undefined ? 'name' : 'to'}`,
      message: `sync id \`${entry.spec.id}\` is already used by model ${earlier.block.name} (${earlier.block.file}, spoke[${earlier.index}]); ids key state and history, so they must be unique.`,
      fix: `give one of them a distinct \`name:\`, e.g. \`name: ${entry.block.name}_${entry.spec.object.toLowerCase()}\``,
    });
  }
}

function afterReferences(declared: Declared[], blocks: ModelSpokeBlock[], models: Set<string>): void {
  const syncing = new Set(blocks.map((b) => b.name));
  const ids = new Set<string>();
  for (const block of blocks) {
    const raws = Array.isArray(block.raw) ? block.raw : [block.raw];
    for (const raw of raws) {
      const id = guessId(block.name, raw);
      if (id !== undefined) ids.add(id);
    }
  }
  for (const entry of declared) {
    const { spec, written } = entry;
    spec.after.forEach((name, position) => {
      if (syncing.has(name) || ids.has(name) || name === spec.model || name === spec.id) return;
      const field = `spoke[${entry.index}].after${Array.isArray(written.after) ? `[${position}]` : ''}`;
      const at = { file: entry.block.file, model: entry.block.name, field };
      if (models.has(name)) {
        entry.problems.push({
          ...at,
          message: `model \`${name}\` has no spoke syncs, so there is nothing to wait for; \`after\` orders syncs, and dbt already builds models in order.`,
          fix: `remove \`${name}\` from after, or add a spoke block to ${name}`,
        });
        return;
      }
      const close = closestMatches(name, [...syncing, ...ids], 3);
      entry.problems.push({
        ...at,
        message: `\`${name}\` is neither a model with spoke syncs nor a sync id.${close.length > 0 ? ` Did you mean ${formatList(close)}?` : ''}`,
        fix:
          close.length > 0
            ? `use ${formatList(close)}`
            : `name a model with spoke syncs (${formatList(syncing)}) or a sync id (\`<model>:<destination>.<object>\` or its \`name\`)`,
      });
    });
  }
}

/**
 * Validates every model's `spoke` meta against spoke.yml and the other models, and normalises
 * the blocks into SyncSpecs. Every problem is collected; nothing stops at the first.
 */
export function buildSyncSpecs(
  blocks: ModelSpokeBlock[],
  config: SpokeConfig,
  options: BuildSyncSpecsOptions = {},
): BuildSyncSpecsResult {
  const tooMany = syncLimitDiagnostic(blocks);
  if (tooMany) return { specs: [], diagnostics: [tooMany], warnings: [] };
  // Appended one by one: a block with many problems must not overflow the stack as arguments.
  let diagnostics: Diagnostic[] = [];
  const report = (found: readonly Diagnostic[]) => {
    diagnostics = diagnostics.concat(found);
  };
  const declared: Declared[] = [];
  const brokenModels = new Set<string>();

  for (const block of blocks) {
    const modelProblems = modelDiagnostics(block);
    report(modelProblems);
    if (modelProblems.length > 0) brokenModels.add(block.name);
    if (!isRecord(block.raw) && !Array.isArray(block.raw)) continue;
    const raws: unknown[] = Array.isArray(block.raw) ? block.raw : [block.raw];
    raws.forEach((raw, index) => {
      const unreadable = [
        ...reservedKeyDiagnostics(raw, { file: block.file, model: block.name, prefix: ['spoke', index] }),
        ...[fieldLimitDiagnostic(block, index, raw)].filter((d): d is Diagnostic => d !== null),
      ];
      if (unreadable.length > 0) {
        brokenModels.add(block.name);
        report(unreadable);
        return;
      }
      const parsed = spokeBlockSchema.safeParse(raw);
      if (!parsed.success) {
        brokenModels.add(block.name);
        report(
          issuesToDiagnostics(spokeBlockSchema, raw, parsed.error.issues, {
            file: block.file,
            model: block.name,
            prefix: ['spoke', index],
          }),
        );
        return;
      }
      const spec = normalise(block, index, parsed.data);
      const context: BlockContext = { block, spec, config };
      declared.push({
        block,
        index,
        written: parsed.data,
        spec,
        problems: blockRules.flatMap((rule) => rule(context)),
        warnings: blockWarnings.flatMap((rule) => rule(context)),
      });
    });
  }

  duplicateIds(declared);
  afterReferences(declared, blocks, new Set([...(options.models ?? []), ...blocks.map((b) => b.name)]));

  const specs: SyncSpec[] = [];
  const warnings: Diagnostic[] = [];
  for (const entry of declared) {
    report(entry.problems);
    for (const warning of entry.warnings) warnings.push(warning);
    if (entry.problems.length === 0 && !brokenModels.has(entry.block.name)) specs.push(entry.spec);
  }
  return { specs, diagnostics, warnings };
}
