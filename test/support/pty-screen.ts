import xtermHeadless from '@xterm/headless';
import { execa } from 'execa';

const { Terminal } = xtermHeadless;

export interface PtyRun {
  exitCode: number;
  /** Every byte the program wrote to its terminal, escape sequences included. */
  raw: string;
  /** The terminal's visible rows once everything was drawn, right-trimmed. */
  screen: string[];
  /** Scrollback and screen together. */
  all: string[];
}

const quote = (arg: string) => `'${arg.replaceAll("'", "'\\''")}'`;

/**
 * Runs a command on a real pseudo-terminal (util-linux `script`), with stdout and stderr on the
 * same terminal as in an interactive shell, and renders what it wrote in a headless xterm.
 */
export async function runOnPty(
  command: string[],
  options: {
    cwd: string;
    env?: Record<string, string>;
    cols?: number;
    rows?: number;
    /** Keys typed at the terminal, each once `after` has appeared in what the program wrote. */
    answers?: { after: string; keys: string }[];
  },
): Promise<PtyRun> {
  const cols = options.cols ?? 160;
  const rows = options.rows ?? 50;
  const shell = `stty cols ${cols} rows ${rows}; exec ${command.map(quote).join(' ')}`;
  const answers = [...(options.answers ?? [])];
  const subprocess = execa('script', ['-qfec', shell, '/dev/null'], {
    cwd: options.cwd,
    env: { ...options.env, TERM: 'xterm-256color' },
    stdin: answers.length > 0 ? 'pipe' : 'ignore',
    reject: false,
    encoding: 'utf8',
    stripFinalNewline: false,
  });
  if (answers.length > 0) {
    let written = '';
    subprocess.stdout?.on('data', (chunk: Buffer | string) => {
      written += chunk.toString();
      const next = answers[0];
      if (next && written.includes(next.after)) {
        answers.shift();
        written = '';
        subprocess.stdin?.write(next.keys);
        if (answers.length === 0) subprocess.stdin?.end();
      }
    });
  }
  const result = await subprocess;
  const terminal = new Terminal({ cols, rows, scrollback: 10_000, allowProposedApi: true });
  // A pty turns each \n into \r\n; xterm is fed exactly those bytes.
  await new Promise<void>((done) => terminal.write(result.stdout, done));
  const buffer = terminal.buffer.active;
  const all: string[] = [];
  for (let i = 0; i < buffer.length; i++) all.push(buffer.getLine(i)?.translateToString(true) ?? '');
  const screen = all.slice(buffer.baseY, buffer.baseY + rows);
  terminal.dispose();
  return { exitCode: result.exitCode ?? -1, raw: result.stdout, screen, all };
}
