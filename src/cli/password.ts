import { MinnowError } from '../errors.js';

/**
 * The key password: COSIGN_PASSWORD (as cosign reads it, so one environment serves both tools), else asked on the
 * terminal without echo. Never printed. `confirm` asks twice (a new key).
 */
export async function keyPassword(
  what: string,
  options: { confirm?: boolean; env?: NodeJS.ProcessEnv } = {},
): Promise<string> {
  const env = options.env ?? process.env;
  if (env.COSIGN_PASSWORD !== undefined) return env.COSIGN_PASSWORD;
  if (!process.stdin.isTTY || !process.stderr.isTTY) {
    throw new MinnowError(
      'KEY_INVALID',
      `${what} needs a password: set COSIGN_PASSWORD (no terminal to ask on)`,
    );
  }
  const first = await ask(`Enter password for ${what}: `);
  if (options.confirm && (await ask('Enter password again: ')) !== first) {
    throw new MinnowError('KEY_INVALID', 'the passwords do not match');
  }
  return first;
}

/** Reads one line from the terminal in raw mode, echoing nothing. */
function ask(prompt: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    process.stderr.write(prompt);
    stdin.setRawMode(true);
    stdin.resume();
    let value = '';
    const done = (err?: Error): void => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      process.stderr.write('\n');
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (chunk: Buffer): void => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003') return done(new MinnowError('ABORTED', 'interrupted'));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    };
    stdin.on('data', onData);
  });
}
