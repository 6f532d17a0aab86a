import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { SandboxStore, type StoredRecord } from '../../src/sandbox/store.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function tempFile(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'spoke-store-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return join(dir, '.spoke', 'sandbox.json');
}

async function opened(file: string, options?: Parameters<typeof SandboxStore.open>[1]) {
  const store = await SandboxStore.open(file, options);
  cleanups.push(() => store.close());
  return store;
}

function record(id: string, fields: Record<string, unknown>): StoredRecord {
  const now = new Date().toISOString();
  return { id, fields, createdAt: now, updatedAt: now };
}

/** Starts a process that writes record after record through the store, printing each acknowledged id. */
function writerProcess(file: string) {
  const storeModule = pathToFileURL(resolve('src/sandbox/store.ts')).href;
  const script = `
    const { SandboxStore } = await import(${JSON.stringify(storeModule)});
    const store = await SandboxStore.open(${JSON.stringify(file)}, { compactAtBytes: 20000 });
    const contacts = store.table('hubspot', 'contacts');
    for (let i = 0; ; i++) {
      const id = String(store.nextSequence('hubspot', 'contacts'));
      const now = new Date().toISOString();
      contacts[id] = { id, fields: { email: 'user' + i + '@example.com', pad: 'x'.repeat(200) }, createdAt: now, updatedAt: now };
      if (i > 0 && i % 3 === 0) delete contacts[String(i)];
      await store.save();
      process.stdout.write('ack ' + id + '\\n');
    }
  `;
  return spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
}

describe('sandbox store: journal', () => {
  it('keeps every acknowledged write of a process killed without closing the store', async () => {
    const file = await tempFile();
    const child = writerProcess(file);
    const acknowledged: string[] = [];
    let buffered = '';
    await new Promise<void>((done, fail) => {
      child.once('error', fail);
      child.once('exit', () => done());
      child.stdout.on('data', (chunk: Buffer) => {
        buffered += chunk.toString();
        const lines = buffered.split('\n');
        buffered = lines.pop() ?? '';
        for (const line of lines) if (line.startsWith('ack ')) acknowledged.push(line.slice(4));
        if (acknowledged.length >= 300) child.kill('SIGKILL');
      });
    });
    expect(child.signalCode).toBe('SIGKILL');

    const store = await opened(file);
    const contacts = store.table('hubspot', 'contacts');
    for (const [i, id] of acknowledged.entries()) {
      // Loop i + 1 deletes record i when i + 1 is a multiple of 3.
      const deletedBy = (i + 1) % 3 === 0 ? i + 1 : undefined;
      if (deletedBy === undefined) expect(contacts[id]?.fields.email).toBe(`user${i}@example.com`);
      else if (deletedBy < acknowledged.length) expect(contacts[id]).toBeUndefined();
      // else: the delete may have been written but not yet acknowledged when the process died.
    }
    // The sequence continues after the last id the killed process handed out.
    expect(store.nextSequence('hubspot', 'contacts')).toBeGreaterThan(acknowledged.length);
  });

  it('journals records changed in place once touched, and deletes', async () => {
    const file = await tempFile();
    const store = await opened(file);
    const accounts = store.table('salesforce', 'Account');
    accounts.a1 = record('a1', { Name: 'First' });
    accounts.a2 = record('a2', { Name: 'Second' });
    await store.save();
    (accounts.a1 as StoredRecord).fields.Name = 'Renamed';
    store.touch('salesforce', 'Account', 'a1');
    delete accounts.a2;
    await store.save();

    const view = await SandboxStore.open(file, { readOnly: true });
    expect(view.records('salesforce', 'Account').map((r) => [r.id, r.fields.Name])).toEqual([
      ['a1', 'Renamed'],
    ]);
  });

  it('shows a read-only reader what a running writer saved, without taking its lock', async () => {
    const file = await tempFile();
    const store = await opened(file);
    store.table('hubspot', 'companies')['1'] = record('1', { name: 'Acme' });
    await store.save();

    const view = await SandboxStore.open(file, { readOnly: true });
    expect(view.records('hubspot', 'companies').map((r) => r.fields.name)).toEqual(['Acme']);
    await expect(view.save()).rejects.toThrow(/opened read-only/);
  });

  it('replays a reset: records written before clear() stay gone after reopening', async () => {
    const file = await tempFile();
    const store = await SandboxStore.open(file);
    store.table('hubspot', 'contacts')['1'] = record('1', { email: 'old@example.com' });
    await store.save();
    store.clear();
    store.table('hubspot', 'contacts')['2'] = record('2', { email: 'new@example.com' });
    await store.save();

    const view = await SandboxStore.open(file, { readOnly: true });
    expect(view.records('hubspot', 'contacts').map((r) => r.id)).toEqual(['2']);
    await store.close();
  });

  it('compacts a journal past its size limit into the snapshot, losing nothing', async () => {
    const file = await tempFile();
    const store = await opened(file, { compactAtBytes: 4096 });
    const contacts = store.table('hubspot', 'contacts');
    for (let i = 0; i < 200; i++) {
      contacts[String(i)] = record(String(i), { email: `c${i}@example.com`, note: 'n'.repeat(100) });
      await store.save();
    }
    await store.compact();
    expect((await stat(`${file}.journal`)).size).toBeLessThan(4096);
    expect((await stat(file)).size).toBeGreaterThan(200 * 100);

    contacts['0'] = record('0', { email: 'changed@example.com' });
    await store.save();
    const view = await SandboxStore.open(file, { readOnly: true });
    expect(view.records('hubspot', 'contacts')).toHaveLength(200);
    expect(view.table('hubspot', 'contacts')['0']?.fields.email).toBe('changed@example.com');
  });

  it('writes a snapshot on close, readable as one JSON document, and reopens from it', async () => {
    const file = await tempFile();
    const store = await SandboxStore.open(file);
    store.table('hubspot', 'deals')['7'] = record('7', { dealname: 'Big deal' });
    store.nextSequence('hubspot', 'deals');
    await store.save();
    await store.close();
    expect((await readFile(`${file}.journal`, 'utf8')).trim().split('\n')).toHaveLength(1);
    // The snapshot is one JSON document, for tools that read the state file directly.
    const document = JSON.parse(await readFile(file, 'utf8'));
    expect(document.objects['hubspot.deals']['7'].fields).toEqual({ dealname: 'Big deal' });
    expect(document.counters).toEqual({ 'hubspot.deals': 1 });

    const again = await opened(file);
    expect(again.table('hubspot', 'deals')['7']?.fields.dealname).toBe('Big deal');
    expect(again.nextSequence('hubspot', 'deals')).toBe(2);
  });

  it('loads a state file written by the earlier one-document format', async () => {
    const file = await tempFile();
    const store0 = await opened(file);
    await store0.close();
    await writeFile(
      file,
      JSON.stringify({
        version: 1,
        counters: { 'salesforce.Account': 3 },
        objects: { 'salesforce.Account': { a3: record('a3', { Name: 'Legacy' }) } },
      }),
    );
    await rm(`${file}.journal`);
    const store = await opened(file);
    expect(store.records('salesforce', 'Account').map((r) => r.fields.Name)).toEqual(['Legacy']);
    expect(store.nextSequence('salesforce', 'Account')).toBe(4);
  });
});
