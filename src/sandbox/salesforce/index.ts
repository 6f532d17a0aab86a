export {
  createSalesforceServer,
  defaultSalesforceObjects,
  expireSalesforceSessions,
  SALESFORCE_SANDBOX_CREDENTIALS,
} from './server.js';
export type {
  SalesforceFaultResponse,
  SalesforceFaults,
  SalesforceFieldDef,
  SalesforceObjectDef,
  SalesforcePicklistValue,
  SalesforceServerOptions,
} from './types.js';
