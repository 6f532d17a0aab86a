import type { SandboxStore } from '../store.js';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const CHECKSUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';

export const SANDBOX_ORG_ID = to18('00D000000000001');

/** Salesforce's case-safe 18-character form: three checksum characters encode the upper-case letters. */
export function to18(id15: string): string {
  let suffix = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    let bits = 0;
    for (let i = 0; i < 5; i++) {
      const c = id15.charAt(chunk * 5 + i);
      if (c >= 'A' && c <= 'Z') bits |= 1 << i;
    }
    suffix += CHECKSUM.charAt(bits);
  }
  return id15 + suffix;
}

export function formatId(keyPrefix: string, sequence: number): string {
  let body = '';
  let n = sequence;
  while (n > 0) {
    body = BASE62.charAt(n % 62) + body;
    n = Math.floor(n / 62);
  }
  return to18(keyPrefix + body.padStart(12, '0'));
}

/** A new id like `001000000000001AAA`, numbered per object in the store. */
export function newId(store: SandboxStore, object: string, keyPrefix: string): string {
  return formatId(keyPrefix, store.nextSequence('salesforce', object));
}

export function isIdShaped(value: string): boolean {
  return /^[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?$/.test(value);
}

/** Salesforce accepts 15- and 18-character ids alike; records are keyed by the 18-character one. */
export function normaliseId(value: string): string {
  return value.length === 15 ? to18(value) : value;
}
