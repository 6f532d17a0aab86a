import type { ModelSpokeBlock } from '../dbt/spoke-meta.js';
import type { Diagnostic } from '../errors.js';
import { closestMatches, didYouMean, formatList } from '../util/suggest.js';
import { ownValue } from './own-value.js';
import type { SpokeConfig, SyncSpec } from './types.js';

/** One normalised block with where it came from; every rule reads this and returns its problems. */
export interface BlockContext {
  block: ModelSpokeBlock;
  spec: SyncSpec;
  config: SpokeConfig;
}

export type BlockRule = (context: BlockContext) => Diagnostic[];

export function blockDiagnostic(
  context: BlockContext,
  field: string,
  message: string,
  fix: string,
): Diagnostic {
  return {
    file: context.block.file,
    model: context.block.name,
    field: `spoke[${context.spec.source.index}]${field ? `.${field}` : ''}`,
    message,
    fix,
  };
}

/** The field a Salesforce relationship sets: `Account` -> `AccountId`, `Parent__r` -> `Parent__c`. */
export function relationshipIdField(relationship: string): string {
  return /__r$/i.test(relationship) ? `${relationship.slice(0, -3)}__c` : `${relationship}Id`;
}

const destinationExists: BlockRule = (context) => {
  const { destination } = context.spec;
  const known = Object.keys(context.config.destinations);
  if (known.includes(destination)) return [];
  if (context.config.file === null) {
    return [
      blockDiagnostic(
        context,
        'to',
        `destination \`${destination}\` is not defined: the project has no spoke.yml.`,
        `create spoke.yml beside dbt_project.yml with \`version: 1\` and a \`${destination}\` destination under \`destinations\` (see README, Configuration)`,
      ),
    ];
  }
  return [
    blockDiagnostic(
      context,
      'to',
      `destination \`${destination}\` is not defined in spoke.yml (known: ${formatList(known)}).${didYouMean(destination, known)}`,
      `add \`${destination}\` under \`destinations\` in spoke.yml, or write \`to: <destination>.${context.spec.object}\` with one of ${formatList(known)}`,
    ),
  ];
};

const featuresMatchDestination: BlockRule = (context) => {
  const destination = ownValue(context.config.destinations, context.spec.destination);
  if (!destination) return [];
  const problems: Diagnostic[] = [];
  if (destination.type !== 'salesforce') {
    for (const lookup of context.spec.lookups) {
      problems.push(
        blockDiagnostic(
          context,
          `fields.${lookup.column}.lookup`,
          `lookups are a Salesforce feature; \`${context.spec.destination}\` is a ${destination.type} destination.`,
          `for HubSpot use \`associations: [{ to: ${lookup.object.toLowerCase()}, column: ${lookup.column}, match: <unique property> }]\`, or map the column to a property`,
        ),
      );
    }
  }
  if (destination.type !== 'hubspot' && context.spec.associations.length > 0) {
    const [first] = context.spec.associations;
    problems.push(
      blockDiagnostic(
        context,
        'associations',
        `associations are a HubSpot feature; \`${context.spec.destination}\` is a ${destination.type} destination.`,
        `for Salesforce use a lookup in fields, e.g. \`${first?.column ?? 'account_id'}: { lookup: Account, object: Account, match: <External_Id__c> }\``,
      ),
    );
  }
  return problems;
};

/** Two sources for one destination field would race: the record would get whichever came last. */
const oneSourcePerField: BlockRule = (context) => {
  const { spec } = context;
  const problems: Diagnostic[] = [];
  const writers = new Map<string, { column: string; path: string }>();
  const claim = (field: string, column: string, path: string, what: string) => {
    const existing = writers.get(field.toLowerCase());
    if (!existing) {
      writers.set(field.toLowerCase(), { column, path });
      return;
    }
    if (existing.column === column) return;
    problems.push(
      blockDiagnostic(
        context,
        path,
        `${what} \`${field}\` is already written from column \`${existing.column}\` (${existing.path}); two columns cannot fill one field.`,
        `keep one of \`${existing.column}\` and \`${column}\` for \`${field}\``,
      ),
    );
  };
  claim(spec.match, spec.key, 'key', 'match field');
  for (const mapping of spec.fields)
    claim(mapping.field, mapping.column, `fields.${mapping.column}`, 'field');
  for (const lookup of spec.lookups) {
    claim(
      relationshipIdField(lookup.relationship),
      lookup.column,
      `fields.${lookup.column}.lookup`,
      `lookup \`${lookup.relationship}\` sets field`,
    );
  }
  return problems;
};

const distinctAssociations: BlockRule = (context) => {
  const seen = new Set<string>();
  return context.spec.associations.flatMap((association, index) => {
    const id = [
      association.to.toLowerCase(),
      association.column,
      association.match,
      association.typeId ?? '',
    ].join('\0');
    if (!seen.has(id)) {
      seen.add(id);
      return [];
    }
    return [
      blockDiagnostic(
        context,
        `associations[${index}]`,
        `association to \`${association.to}\` by \`${association.column}\` is declared twice.`,
        'remove the duplicate',
      ),
    ];
  });
};

/**
 * A warning, never an error: schema.yml documents columns, the warehouse decides which exist
 * (the run checks the relation's real columns before writing). Only when the model documents any.
 */
const columnsAreDocumented: BlockRule = (context) => {
  const documented = context.block.columns;
  if (documented.length === 0) return [];
  const known = new Set(documented.map((c) => c.toLowerCase()));
  const { spec } = context;
  const references: Array<[string, string]> = [
    [spec.key, 'key'],
    ...spec.fields.map((m): [string, string] => [m.column, `fields.${m.column}`]),
    ...spec.lookups.map((l): [string, string] => [l.column, `fields.${l.column}`]),
    ...spec.associations.map((a, i): [string, string] => [a.column, `associations[${i}].column`]),
  ];
  return references
    .filter(([column]) => !known.has(column.toLowerCase()))
    .map(([column, path]) => {
      const close = closestMatches(column, documented, 1);
      return blockDiagnostic(
        context,
        path,
        `column \`${column}\` is not among the documented columns of ${context.block.name} (${formatList(documented)}).${close[0] ? ` Did you mean \`${close[0]}\`?` : ''} Syncs check the model's columns in the warehouse before writing.`,
        close[0]
          ? `use \`${close[0]}\` if that was meant, else document \`${column}\` under the model's columns in ${context.block.file}`
          : `document \`${column}\` under the model's columns in ${context.block.file}, or correct the name`,
      );
    });
};

const notAfterItself: BlockRule = (context) => {
  const { spec } = context;
  return spec.after
    .filter((name) => name === spec.model || name === spec.id)
    .map((name) =>
      blockDiagnostic(
        context,
        'after',
        name === spec.id
          ? `sync \`${spec.id}\` cannot run after itself.`
          : `a sync of ${spec.model} cannot run after its own model \`${name}\`.`,
        `remove \`${name}\` from after; to order two syncs of one model, name the other sync's id (\`<model>:<destination>.<object>\`)`,
      ),
    );
};

/** A sync's `alerts.channels` name channels spoke.yml defines. */
const alertChannelsExist: BlockRule = (context) => {
  const wanted = context.spec.alerts?.channels ?? [];
  const alerts = context.config.alerts;
  const known = [
    ...(alerts?.channels ?? []).map((channel) => channel.name),
    ...(alerts?.disabledChannels ?? []),
  ];
  return wanted.flatMap((name, index) =>
    known.includes(name)
      ? []
      : [
          blockDiagnostic(
            context,
            `alerts.channels[${index}]`,
            known.length === 0
              ? `alert channel \`${name}\` is not defined: spoke.yml has no \`alerts.channels\`.`
              : `alert channel \`${name}\` is not defined in spoke.yml (known: ${formatList(known)}).${didYouMean(name, known)}`,
            known.length === 0
              ? `add a channel named \`${name}\` under \`alerts.channels\` in spoke.yml, or remove it here`
              : `use one of ${formatList(known)}, or add \`${name}\` under \`alerts.channels\` in spoke.yml`,
          ),
        ],
  );
};

/** Problems that stop a run. */
export const blockRules: BlockRule[] = [
  destinationExists,
  featuresMatchDestination,
  oneSourcePerField,
  distinctAssociations,
  notAfterItself,
  alertChannelsExist,
];

/** Doubts `spoke validate` prints; nothing is refused for them. */
export const blockWarnings: BlockRule[] = [columnsAreDocumented];
