import { setFlagsFromString } from 'node:v8';

/**
 * V8 lets the heap grow to several times what survived its last full collection before it
 * collects again; with a long sync's short-lived rows that is hundreds of megabytes of garbage
 * (a 100k-row Bulk sync peaked at 430 MB RSS with ~65 MB live). Growing by at most half keeps
 * memory near what is live (247 MB there; a fifth gave 219 MB but cost a third more CPU). Read
 * at every collection, so setting it here, before any command runs, takes effect; a
 * `node --heap-growing-percent=N` of the user's own still wins.
 */
if (!process.execArgv.some((a) => /heap[-_]growing[-_]percent/.test(a))) {
  setFlagsFromString('--heap-growing-percent=50');
}
