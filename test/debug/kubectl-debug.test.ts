import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kubectlDebugCommand, parsePodTarget, shellQuote } from '../../src/debug/kubectl-debug.js';
import { plain, runCli } from '../cli/build-helpers.js';
import { tempDir } from '../helpers/tmp.js';

describe('minnow debug pod/NAME (kubectl debug)', () => {
  it('prints the ephemeral debug container command: -it, --target, --image, the general profile', async () => {
    const run = await runCli(['debug', 'pod/api-7d9f', '-n', 'web', '-c', 'api', '--image', 'alpine:3.19']);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(
      'kubectl debug -it pod/api-7d9f -n web --target=api --image=alpine:3.19 --profile=general\n',
    );
  });

  it('without --container, the printed line looks the first container up when the shell runs it', async () => {
    const run = await runCli(['debug', 'pod/api', '--', 'sh', '-c', 'ps; wget -qO- 127.0.0.1:8080']);
    expect(run.code).toBe(0);
    const line = run.stdout.trim();
    expect(line).toBe(
      "kubectl debug --attach pod/api --target=$(kubectl get pod api -o jsonpath='{.spec.containers[0].name}') --image=docker.io/library/busybox:1.36 --profile=general -- sh -c 'ps; wget -qO- 127.0.0.1:8080'",
    );
    // A POSIX shell splits it back into the same words (the lookup aside).
    const words = spawnSync(
      'sh',
      ['-c', `for w in ${line.replace(/\$\(.*?\)/, 'X')}; do printf '%s\\n' "$w"; done`],
      {
        encoding: 'utf8',
      },
    ).stdout;
    expect(words.split('\n').slice(-3, -1)).toEqual(['-c', 'ps; wget -qO- 127.0.0.1:8080']);
  });

  it('--run without a reachable cluster fails in one line naming the pod (exit 1)', async () => {
    const dir = await tempDir();
    const kubeconfig = join(dir, 'config');
    await writeFile(kubeconfig, '');
    const before = process.env.KUBECONFIG;
    process.env.KUBECONFIG = kubeconfig;
    try {
      const run = await runCli(['debug', 'pod/api', '--run', '--', 'true']);
      expect(run.code).toBe(1);
      expect(plain(run.stderr).split('\n')[0]).toMatch(
        /^error: cannot find the containers of pod api: kubectl: /,
      );
    } finally {
      if (before === undefined) delete process.env.KUBECONFIG;
      else process.env.KUBECONFIG = before;
    }
  });

  it('refuses bad pod names and pod options for an Engine container (exit 2)', async () => {
    expect(parsePodTarget('pod/web-1')).toBe('web-1');
    expect(parsePodTarget('web-1')).toBeUndefined();
    const bad = await runCli(['debug', 'pod/Bad_Name']);
    expect(bad.code).toBe(2);
    expect(plain(bad.stderr)).toMatch(/invalid pod name Bad_Name/);
    const mixed = await runCli(['debug', 'some-container', '-n', 'web']);
    expect(mixed.code).toBe(2);
    expect(plain(mixed.stderr)).toMatch(/are for a pod target/);
  });

  it('quotes words for a POSIX shell only when they need it', () => {
    expect(shellQuote('--image=alpine:3.19')).toBe('--image=alpine:3.19');
    expect(shellQuote("it's")).toBe("'it'\\''s'");
    expect(kubectlDebugCommand({ pod: 'a', container: 'c' }, { image: 'i', interactive: true })).toBe(
      'kubectl debug -it pod/a --target=c --image=i --profile=general',
    );
  });
});
