/**
 * Whether a process with this pid exists on this machine (signal 0 checks without sending).
 * EPERM means it exists under another user; only ESRCH says it is gone.
 */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}
