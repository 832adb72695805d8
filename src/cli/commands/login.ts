import type { Command } from 'commander';
import { isMinnowError, MinnowError } from '../../errors.js';
import { RegistryClient } from '../../registry/client.js';
import { dockerConfigPath, eraseCredential, storeCredential } from '../../registry/docker-config.js';
import { DOCKER_HUB } from '../../registry/reference.js';

interface LoginFlags {
  username?: string;
  passwordStdin?: boolean;
  insecureRegistry: string[];
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** `ghcr.io`, `https://index.docker.io/v1/`, `localhost:5000` → the registry host credentials are kept for. */
export function registryOf(server: string | undefined): string {
  if (!server) return DOCKER_HUB;
  const host =
    server
      .replace(/^[a-z]+:\/\//i, '')
      .split('/')[0]
      ?.toLowerCase() ?? '';
  if (!host || !/^[a-z0-9.\-[\]:]+$/.test(host)) {
    throw new MinnowError(
      'INVALID_ARGUMENT',
      `invalid registry "${server}": want a host such as ghcr.io or localhost:5000`,
      {
        subject: server,
      },
    );
  }
  return host === 'index.docker.io' || host === 'registry-1.docker.io' ? DOCKER_HUB : host;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString()
    .replace(/\r?\n$/, '');
}

/** Reads a password from the terminal without echoing it. */
async function promptHidden(prompt: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(prompt);
  stdin.setRawMode(true);
  stdin.resume();
  let value = '';
  try {
    return await new Promise<string>((resolve, reject) => {
      const onData = (buf: Buffer): void => {
        for (const ch of buf.toString()) {
          if (ch === '\r' || ch === '\n') {
            stdin.off('data', onData);
            resolve(value);
            return;
          }
          if (ch === '\u0003') {
            stdin.off('data', onData);
            reject(new MinnowError('ABORTED', 'login cancelled'));
            return;
          }
          if (ch === '\u007f') value = value.slice(0, -1);
          else value += ch;
        }
      };
      stdin.on('data', onData);
    });
  } finally {
    stdin.setRawMode(false);
    stdin.pause();
    process.stderr.write('\n');
  }
}

async function login(server: string | undefined, flags: LoginFlags): Promise<void> {
  const registry = registryOf(server);
  const username = flags.username;
  if (!username) {
    throw new MinnowError('INVALID_ARGUMENT', 'minnow login needs --username', {
      hint: `echo "$TOKEN" | minnow login ${registry} -u USER --password-stdin`,
    });
  }
  let password: string;
  if (flags.passwordStdin) password = await readStdin();
  else if (process.stdin.isTTY) password = await promptHidden('Password: ');
  else {
    throw new MinnowError('INVALID_ARGUMENT', 'no password: pass it on stdin with --password-stdin', {
      hint: `echo "$TOKEN" | minnow login ${registry} -u ${username} --password-stdin`,
    });
  }
  if (!password) throw new MinnowError('INVALID_ARGUMENT', 'the password is empty');
  const client = new RegistryClient({
    credential: { username, password },
    insecureRegistries: flags.insecureRegistry,
  });
  try {
    await client.ping(registry);
  } catch (err) {
    // The registry's own hint says "log in with minnow login": circular while logging in. Say what to check.
    if (isMinnowError(err, 'UNAUTHORIZED')) {
      throw new MinnowError('UNAUTHORIZED', `${registry} refused the credentials of ${username}`, {
        subject: registry,
        cause: err,
        hint: 'check the user name and the password or token (a token may need the registry read/write scope)',
      });
    }
    throw err;
  } finally {
    await client.close();
  }
  const path = await storeCredential(registry, { username, password });
  process.stdout.write(`Login succeeded: ${username} at ${registry} (stored in ${path})\n`);
}

async function logout(server: string | undefined): Promise<void> {
  const registry = registryOf(server);
  const removed = await eraseCredential(registry);
  process.stdout.write(
    removed
      ? `Removed the credentials for ${registry} from ${dockerConfigPath()}\n`
      : `Not logged in to ${registry}\n`,
  );
}

/** `minnow login` and `minnow logout`, writing Docker's config format (and its credential helpers). */
export function register(program: Command): void {
  program
    .command('login')
    .description('Log in to a registry, storing credentials where docker login would (~/.docker/config.json)')
    .argument('[server]', 'registry host (default docker.io)')
    .option('-u, --username <user>', 'user name')
    .option('--password-stdin', 'read the password or token from stdin')
    .option(
      '--insecure-registry <host>',
      'allow plain HTTP or an unverified certificate for this host',
      collect,
      [],
    )
    .action(async (server: string | undefined, flags: LoginFlags) => login(server, flags));
  program
    .command('logout')
    .description('Remove the stored credentials for a registry')
    .argument('[server]', 'registry host (default docker.io)')
    .action(async (server: string | undefined) => logout(server));
}
