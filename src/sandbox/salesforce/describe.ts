import type { FastifyInstance } from 'fastify';
import { type SalesforceContext, versionPath } from './context.js';
import type { SalesforceField, SalesforceObject } from './types.js';

const SOAP_TYPES: Record<string, string> = {
  id: 'tns:ID',
  reference: 'tns:ID',
  boolean: 'xsd:boolean',
  double: 'xsd:double',
  currency: 'xsd:double',
  percent: 'xsd:double',
  int: 'xsd:int',
  date: 'xsd:date',
  datetime: 'xsd:dateTime',
};

function describeField(field: SalesforceField): Record<string, unknown> {
  return {
    ...field,
    picklistValues: field.picklistValues.map((p) => ({ defaultValue: false, validFor: null, ...p })),
    soapType: SOAP_TYPES[field.type] ?? 'xsd:string',
    digits: field.type === 'int' ? field.precision : 0,
    calculated: false,
    autoNumber: false,
    caseSensitive: false,
    defaultValue: null,
    filterable: true,
    sortable: true,
    nameField: field.name === 'Name',
    permissionable: field.nillable && field.createable,
  };
}

function urls(base: string, object: SalesforceObject): Record<string, string> {
  return {
    sobject: `${base}/sobjects/${object.name}`,
    describe: `${base}/sobjects/${object.name}/describe`,
    rowTemplate: `${base}/sobjects/${object.name}/{ID}`,
  };
}

function summary(base: string, object: SalesforceObject): Record<string, unknown> {
  return {
    name: object.name,
    label: object.label,
    labelPlural: object.labelPlural,
    keyPrefix: object.keyPrefix,
    custom: object.custom,
    createable: true,
    updateable: true,
    deletable: true,
    queryable: true,
    retrieveable: true,
    searchable: true,
    urls: urls(base, object),
  };
}

export function registerDescribe(app: FastifyInstance, ctx: SalesforceContext): void {
  app.get('/services/data/:version/sobjects', async (request) => ({
    encoding: 'UTF-8',
    maxBatchSize: 200,
    sobjects: ctx.registry.list().map((o) => summary(versionPath(request), o)),
  }));

  app.get<{ Params: { object: string } }>(
    '/services/data/:version/sobjects/:object/describe',
    async (request) => {
      const object = ctx.object(request.params.object);
      const base = versionPath(request);
      const childRelationships = ctx.registry.list().flatMap((child) =>
        child.fields
          .filter((f) => f.referenceTo.includes(object.name) && f.relationshipName)
          .map((f) => ({
            childSObject: child.name,
            field: f.name,
            relationshipName: null,
            cascadeDelete: false,
          })),
      );
      return {
        ...summary(base, object),
        childRelationships,
        recordTypeInfos: [],
        fields: object.fields.map(describeField),
      };
    },
  );
}
