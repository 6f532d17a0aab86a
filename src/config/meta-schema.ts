import { z } from 'zod';
import { stringRecord } from '../util/string-record.js';

/**
 * What users write under a model's `config.meta.spoke`. Descriptions feed the JSON Schema and
 * the fixes in diagnostics; build-sync-specs normalises a parsed block into a SyncSpec.
 */

export const syncModes = ['upsert', 'update', 'create', 'mirror'] as const;

export const lookupSchema = z
  .strictObject({
    lookup: z
      .string()
      .min(1)
      .describe(
        'Salesforce relationship name set by this column, e.g. `Account` (field AccountId) or `Parent__r`.',
      ),
    object: z.string().min(1).describe('Salesforce object the relationship points at, e.g. `Account`.'),
    match: z
      .string()
      .min(1)
      .describe('External id field on `object` whose value equals this column, e.g. `Wistia_Account_Id__c`.'),
  })
  .describe(
    'A Salesforce lookup: link the record to the `object` record whose `match` field equals this column.',
  );

export const fieldValueSchema = z
  .union([
    z.string().min(1).describe('Destination field written with this column, e.g. `Name`.'),
    lookupSchema,
  ])
  .describe('A destination field name, or a Salesforce lookup `{ lookup, object, match }`.');

export const associationSchema = z
  .strictObject({
    to: z.string().min(1).describe('HubSpot object type to associate with, e.g. `companies`.'),
    column: z.string().min(1).describe('Model column holding the value of `match` on the associated record.'),
    match: z
      .string()
      .min(1)
      .describe('Unique-value property on the associated object, e.g. `wistia_account_id`.'),
    type: z
      .number()
      .int()
      .positive()
      .optional()
      .describe(
        'HubSpot association type id, e.g. 279 (contact to company); the default type between the two objects when absent.',
      ),
  })
  .describe('A HubSpot association to the `to` record whose `match` property equals `column`.');

export const spokeBlockSchema = z
  .strictObject({
    to: z
      .string()
      .regex(/^[^.\s]+\.[^.\s]+$/, {
        error: 'must be `<destination>.<object>`, e.g. `salesforce.Account` or `hubspot.companies`',
      })
      .describe(
        'Where rows go: `<destination>.<object>`, the destination named in spoke.yml, e.g. `salesforce.Account`.',
      ),
    key: z.string().min(1).describe('Model column that identifies a row: unique and not null.'),
    match: z
      .string()
      .min(1)
      .describe(
        'Destination field holding the key: a Salesforce external id field or a unique-value HubSpot property.',
      ),
    mode: z
      .enum(syncModes)
      .optional()
      .describe(
        'upsert (default): create or update by `match`; update: only existing records; create: only new keys; mirror: upsert and delete records this sync created that left the model.',
      ),
    fields: stringRecord(fieldValueSchema)
      .optional()
      .describe(
        'Model column -> destination field, or -> `{ lookup, object, match }` for a Salesforce lookup.',
      ),
    associations: z.array(associationSchema).optional().describe('HubSpot associations set on every record.'),
    after: z
      .union([z.string().min(1), z.array(z.string().min(1))])
      .optional()
      .describe('Model names or sync ids whose syncs must finish (successfully) before this one starts.'),
    name: z
      .string()
      .min(1)
      .optional()
      .describe(
        'Explicit sync id (default `<model>:<destination>.<object>`). Ids key state and history: keep them stable.',
      ),
    max_delete_ratio: z
      .number()
      .min(0)
      .max(1)
      .optional()
      .describe(
        'mirror: refuse a run that would delete more than this share of the records this sync manages (default 0.2) unless `--allow-deletes` is given.',
      ),
    on_null: z
      .enum(['clear', 'skip'])
      .optional()
      .describe(
        'A null column value: clear (default) empties the destination field; skip leaves it unchanged.',
      ),
    alerts: z
      .strictObject({
        failed_records_ratio: z
          .number()
          .min(0)
          .max(1)
          .optional()
          .describe("This sync's failing threshold, instead of spoke.yml's `alerts.failed_records_ratio`."),
        channels: z
          .array(z.string().min(1))
          .optional()
          .describe('Names of the spoke.yml alert channels this sync alerts (default: all of them).'),
        mute: z.boolean().optional().describe('true: this sync sends no alerts (its health is still kept).'),
      })
      .optional()
      .describe('Alert settings of this sync.'),
  })
  .describe('One sync of this model to one destination object.');

export const spokeMetaSchema = z
  .union([spokeBlockSchema, z.array(spokeBlockSchema)])
  .describe('dbt-spoke syncs of this model (under `config.meta.spoke`): one block or a list of blocks.');

export type SpokeBlockInput = z.input<typeof spokeBlockSchema>;
export type LookupInput = z.input<typeof lookupSchema>;
