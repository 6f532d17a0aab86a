import { Client } from '@hubspot/api-client';
import jsforce from 'jsforce';
import { sandboxSchemaDir, sandboxStateFile } from '../../src/engine/connect-destinations.js';
import {
  HUBSPOT_SANDBOX_TOKEN,
  type RunningSandbox,
  SALESFORCE_SANDBOX_CREDENTIALS,
  startSandbox,
} from '../../src/sandbox/index.js';

/**
 * Reads back what a sync left in the project's sandbox, through the real jsforce and HubSpot
 * clients over HTTP, the way a user checking Salesforce or HubSpot would.
 */
export class CrmReadback {
  private constructor(
    private readonly sandbox: RunningSandbox,
    private readonly salesforce: jsforce.Connection,
    private readonly hubspot: Client,
  ) {}

  /** The sandbox store of `target` (the example's default target is `dev`). */
  static async open(projectDir: string, target = 'dev'): Promise<CrmReadback> {
    // The project's spoke_schemas/ as `spoke sync` loads them, so its custom fields can be queried.
    const sandbox = await startSandbox({
      stateFile: sandboxStateFile(projectDir, target),
      schemaDir: sandboxSchemaDir(projectDir),
    });
    const { username, password, clientId, clientSecret } = SALESFORCE_SANDBOX_CREDENTIALS;
    const salesforce = new jsforce.Connection({
      loginUrl: sandbox.salesforceUrl,
      oauth2: { loginUrl: sandbox.salesforceUrl, clientId, clientSecret },
      version: '62.0',
    });
    await salesforce.login(username, password);
    const hubspot = new Client({ accessToken: HUBSPOT_SANDBOX_TOKEN, basePath: sandbox.hubspotUrl });
    return new CrmReadback(sandbox, salesforce, hubspot);
  }

  async salesforceRecords(object: string, fields: string[]): Promise<Record<string, unknown>[]> {
    const result = await this.salesforce.query(`SELECT Id, ${fields.join(', ')} FROM ${object}`, {
      autoFetch: true,
      maxFetch: 100_000,
    });
    return result.records as Record<string, unknown>[];
  }

  /** Edits a Salesforce record the way a person in the CRM would. */
  async updateSalesforce(
    object: string,
    match: string,
    key: string,
    values: Record<string, unknown>,
  ): Promise<void> {
    const [record] = (await this.salesforceRecords(object, [match])).filter(
      (candidate) => candidate[match] === key,
    );
    if (!record) throw new Error(`no ${object} with ${match} = ${key}`);
    const result = (await this.salesforce.sobject(object).update({ Id: record.Id as string, ...values })) as {
      success: boolean;
    };
    if (!result.success) throw new Error(`update of ${object} ${key} failed`);
  }

  async hubspotRecords(
    objectType: string,
    properties: string[],
  ): Promise<{ id: string; properties: Record<string, string | null> }[]> {
    const all: { id: string; properties: Record<string, string | null> }[] = [];
    let after: string | undefined;
    do {
      const page = await this.hubspot.crm.objects.basicApi.getPage(objectType, 100, after, properties);
      all.push(...page.results.map((result) => ({ id: result.id, properties: result.properties })));
      after = page.paging?.next?.after;
    } while (after);
    return all;
  }

  async hubspotAssociations(fromType: string, id: string, toType: string): Promise<string[]> {
    const page = await this.hubspot.crm.associations.v4.basicApi.getPage(fromType, id, toType);
    return page.results.map((result) => String(result.toObjectId));
  }

  close(): Promise<void> {
    return this.sandbox.close();
  }
}
