import { Client } from '@hubspot/api-client';
import jsforce from 'jsforce';
import { HUBSPOT_SANDBOX_TOKEN, SALESFORCE_SANDBOX_CREDENTIALS } from '../src/sandbox/index.js';

/**
 * What a hand-written point-to-point integration does: one request per record (Salesforce
 * upsert by external id, HubSpot upsert of one input). Returns markdown table rows.
 */
export async function perRecordBaseline(
  salesforceUrl: string,
  hubspotUrl: string,
  records: number,
): Promise<string[]> {
  const { username, password, clientId, clientSecret } = SALESFORCE_SANDBOX_CREDENTIALS;
  const conn = new jsforce.Connection({
    loginUrl: salesforceUrl,
    oauth2: { loginUrl: salesforceUrl, clientId, clientSecret },
    version: '62.0',
  });
  await conn.login(username, password);
  const hubspot = new Client({ accessToken: HUBSPOT_SANDBOX_TOKEN, basePath: hubspotUrl });
  const lines: string[] = [];

  let started = performance.now();
  for (let i = 1; i <= records; i++) {
    await conn
      .sobject('Contact')
      .upsert(
        { Wistia_User_Id__c: `b${i}`, Email: `person${i}@example.com`, LastName: `Last${i}` },
        'Wistia_User_Id__c',
      );
  }
  let seconds = (performance.now() - started) / 1000;
  lines.push(
    `| Salesforce, single-record upsert | ${records} | ${seconds.toFixed(1)} | ${Math.round(records / seconds)} | ${records} |`,
  );

  started = performance.now();
  for (let i = 1; i <= records; i++) {
    await hubspot.crm.contacts.batchApi.upsert({
      inputs: [
        {
          idProperty: 'wistia_user_id',
          id: `b${i}`,
          properties: { email: `person${i}@example.com`, lastname: `Last${i}` },
        },
      ],
    });
  }
  seconds = (performance.now() - started) / 1000;
  lines.push(
    `| HubSpot, one upsert per record | ${records} | ${seconds.toFixed(1)} | ${Math.round(records / seconds)} | ${records} |`,
  );
  return lines;
}
