// Pinned Go tools the benches compare against (ko, crane, syft, dive), installed with `go install` from the Go module proxy
// into GOPATH/bin when missing or at another version.
import { execFile } from 'node:child_process';
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const PINNED = {
  ko: { pkg: 'github.com/google/ko', version: 'v0.19.1' },
  crane: { pkg: 'github.com/google/go-containerregistry/cmd/crane', version: 'v0.22.1' },
  // The versions scripts/install-go-tools.sh pins for the tests.
  syft: { pkg: 'github.com/anchore/syft/cmd/syft', version: 'v1.57.1' },
  dive: { pkg: 'github.com/wagoodman/dive', version: 'v0.13.1' },
};

/** The path of the pinned tool `name`, installing it first when GOPATH/bin lacks that version. */
export async function goTool(name, { go = 'go' } = {}) {
  const { pkg, version } = PINNED[name];
  const gobin =
    (await run(go, ['env', 'GOBIN'])).stdout.trim() ||
    join((await run(go, ['env', 'GOPATH'])).stdout.trim(), 'bin');
  const path = join(gobin, name);
  const have = await access(path)
    .then(() => run(go, ['version', '-m', path]))
    .then((r) => r.stdout.includes(`\tmod\t${pkg.split('/cmd/')[0]}\t${version}`))
    .catch(() => false);
  if (!have) {
    console.error(`installing ${pkg}@${version} (go install)…`);
    await run(go, ['install', `${pkg}@${version}`], { maxBuffer: 16 << 20 });
  }
  return path;
}
