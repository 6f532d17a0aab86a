import type { OutboundRecord } from '../contract.js';

/** Standard `Account` → `AccountId`, custom `Parent__r` → `Parent__c`: used when describe cannot say. */
export function conventionalReferenceField(relationship: string): string {
  return relationship.endsWith('__r') ? `${relationship.slice(0, -3)}__c` : `${relationship}Id`;
}

/**
 * The sObject body for one record: its values, its parents by external id
 * (`Account: { Wistia_Account_Id__c: 'acc_1' }`), a cleared reference field for a null parent,
 * and the match field carrying the record key.
 */
export function buildPayload(
  record: OutboundRecord,
  match: string,
  referenceField: (relationship: string) => string,
): Record<string, unknown> {
  const body: Record<string, unknown> = { ...record.values };
  for (const lookup of record.lookups) {
    if (lookup.value === null || lookup.value === '') body[referenceField(lookup.relationship)] = null;
    else body[lookup.relationship] = { [lookup.match]: lookup.value };
  }
  body[match] = record.key;
  return body;
}
