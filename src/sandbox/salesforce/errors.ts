import type { SalesforceField } from './types.js';

/** A per-record error as sObject Collections report it (`statusCode`, not `errorCode`). */
export interface RecordError {
  statusCode: string;
  message: string;
  fields: string[];
}

/** A whole-request failure: answered with `status` and the REST error array. */
export class SalesforceHttpError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    message: string,
    readonly fields?: string[] | null,
  ) {
    super(message);
  }

  get body(): Array<{ message: string; errorCode: string; fields?: string[] | null }> {
    const entry: { message: string; errorCode: string; fields?: string[] | null } = {
      message: this.message,
      errorCode: this.errorCode,
    };
    if (this.fields !== undefined) entry.fields = this.fields;
    return [entry];
  }
}

export function notFound(): SalesforceHttpError {
  return new SalesforceHttpError(404, 'NOT_FOUND', 'The requested resource does not exist');
}

export function recordError(statusCode: string, message: string, fields: string[] = []): RecordError {
  return { statusCode, message, fields };
}

/** Single-record REST calls answer a failed save with the record's errors at top level. */
export function recordErrorsToHttp(
  errors: RecordError[],
): Array<{ message: string; errorCode: string; fields: string[] }> {
  return errors.map((e) => ({ message: e.message, errorCode: e.statusCode, fields: e.fields }));
}

export const messages = {
  noSuchColumn: (name: string, object: string) => `No such column '${name}' on sobject of type ${object}`,
  notWritable: (names: string[]) =>
    `Unable to create/update fields: ${names.join(', ')}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`,
  requiredMissing: (names: string[]) => `Required fields are missing: [${names.join(', ')}]`,
  invalidEmail: (f: SalesforceField, value: string) => `${f.label}: invalid email address: ${value}`,
  restrictedPicklist: (f: SalesforceField, value: string) =>
    `${f.label}: bad value for restricted picklist field: ${value}`,
  tooLong: (f: SalesforceField, value: string) =>
    `${f.label}: data value too large: ${value} (max length=${f.length})`,
  outOfRange: (f: SalesforceField, value: number) =>
    `${f.label}: value outside of valid range on numeric field: ${value}`,
  duplicate: (field: string, id: string) =>
    `duplicate value found: ${field} duplicates value on record with id: ${id.slice(0, 15)}`,
  foreignKeyNotFound: (value: string, field: string, object: string) =>
    `Foreign key external ID: ${value} not found for field ${field} in entity ${object}`,
  notExternalId: (field: string, object: string) =>
    `Field name provided, ${field} is not an External ID or indexed field for ${object}`,
  wrongIdType: (f: SalesforceField, value: string) => `${f.label}: id value of incorrect type: ${value}`,
  rolledBack:
    'Record rolled back because not all records were valid and the request was using AllOrNone header',
  exceededIdLimit: 'record limit reached. cannot submit more than 200 records into this call',
};
