import type { AssociationSpec } from '@hubspot/api-client/lib/codegen/crm/associations/v4/models/AssociationSpec.js';
import { chunk } from '../../util/chunk.js';
import type { OutboundRecord, OutcomeError, RecordOutcome } from '../contract.js';
import { type BatchError, batchErrorToOutcome, callFailure } from './errors.js';
import type { HubspotApi } from './hubspot-api.js';
import { readIdsByUniqueValue } from './read-ids.js';

const ASSOCIATION_BATCH = 100;

interface Link {
  key: string;
  fromId: string;
  to: string;
  toId: string;
  typeId?: number;
}

/**
 * Second phase of a write: links each written record to the records its associations name,
 * found by their unique property. A record whose link fails becomes `failed` (keeping its id).
 */
export async function writeAssociations(
  api: HubspotApi,
  object: string,
  records: OutboundRecord[],
  outcomes: Map<string, RecordOutcome>,
  secrets: (string | undefined)[],
): Promise<void> {
  const fail = (key: string, error: OutcomeError) => {
    const outcome = outcomes.get(key);
    if (outcome && outcome.status !== 'failed') outcomes.set(key, { ...outcome, status: 'failed', error });
  };
  const written = records.filter((r) => {
    const status = outcomes.get(r.key)?.status;
    return (status === 'created' || status === 'updated') && r.associations.some((a) => a.value !== null);
  });
  if (written.length === 0) return;

  const targets = new Map<string, { to: string; match: string; values: Set<string> }>();
  for (const record of written) {
    for (const a of record.associations) {
      if (a.value === null) continue;
      const group = `${a.to}\u0000${a.match}`;
      if (!targets.has(group)) targets.set(group, { to: a.to, match: a.match, values: new Set() });
      targets.get(group)?.values.add(a.value);
    }
  }
  const resolved = new Map<string, Map<string, string> | OutcomeError>();
  for (const [group, target] of targets) {
    try {
      resolved.set(group, await readIdsByUniqueValue(api, target.to, target.match, [...target.values]));
    } catch (error) {
      resolved.set(group, callFailure(error, secrets));
    }
  }

  const links: Link[] = [];
  for (const record of written) {
    const fromId = outcomes.get(record.key)?.destinationId;
    if (!fromId) continue;
    for (const a of record.associations) {
      if (a.value === null) continue;
      const ids = resolved.get(`${a.to}\u0000${a.match}`);
      if (!(ids instanceof Map)) {
        if (ids) fail(record.key, ids);
        continue;
      }
      const toId = ids.get(a.value);
      if (toId === undefined) {
        fail(record.key, {
          code: 'ASSOCIATION_TARGET_NOT_FOUND',
          message: `The ${object} record was written, but no ${a.to} record has ${a.match} = "${a.value}", so it was not associated. Sync ${a.to} first or fix the value.`,
          transient: false,
          fields: [a.match],
        });
        continue;
      }
      links.push({
        key: record.key,
        fromId,
        to: a.to,
        toId,
        ...(a.typeId !== undefined ? { typeId: a.typeId } : {}),
      });
    }
  }

  const groups = new Map<string, Link[]>();
  for (const link of links) {
    const group = `${link.to}\u0000${link.typeId ?? 'default'}`;
    groups.set(group, [...(groups.get(group) ?? []), link]);
  }
  for (const group of groups.values()) {
    for (const part of chunk(group, ASSOCIATION_BATCH)) {
      try {
        const errors = await sendLinks(api, object, part);
        attributeErrors(part, errors, fail);
      } catch (error) {
        const failure = callFailure(error, secrets);
        for (const link of part) fail(link.key, failure);
      }
    }
  }
}

async function sendLinks(api: HubspotApi, object: string, links: Link[]): Promise<BatchError[]> {
  const first = links[0];
  if (!first) return [];
  if (first.typeId === undefined) {
    const response = await api.send((client) =>
      client.crm.associations.v4.batchApi.createDefaultWithHttpInfo(object, first.to, {
        inputs: links.map((l) => ({ _from: { id: l.fromId }, to: { id: l.toId } })),
      }),
    );
    return response.errors ?? [];
  }
  const spec = {
    associationCategory: 'HUBSPOT_DEFINED' as AssociationSpec['associationCategory'],
    associationTypeId: first.typeId,
  };
  const response = await api.send((client) =>
    client.crm.associations.v4.batchApi.createWithHttpInfo(object, first.to, {
      inputs: links.map((l) => ({ _from: { id: l.fromId }, to: { id: l.toId }, types: [spec] })),
    }),
  );
  return 'errors' in response ? (response.errors ?? []) : [];
}

/** Errors name the pair in `context.fromObjectId`; one that names nothing fails the whole call. */
function attributeErrors(
  links: Link[],
  errors: BatchError[],
  fail: (key: string, error: OutcomeError) => void,
) {
  for (const error of errors) {
    const detail = batchErrorToOutcome(error);
    const fromIds = new Set(error.context?.fromObjectId ?? []);
    const named = links.filter((l) => fromIds.has(l.fromId));
    for (const link of named.length > 0 ? named : links) fail(link.key, detail);
  }
}
