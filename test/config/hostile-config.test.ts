import { describe, expect, it } from 'vitest';
import { exitCodeFor } from '../../src/cli/exit.js';
import { parseConfig } from '../../src/config/load-config.js';
import { forbiddenGoFlag, forbiddenLinkerFlag } from '../../src/config/trusted-flags.js';
import { failure } from '../helpers/failure.js';

const problem = (text: string) => failure(Promise.resolve().then(() => parseConfig(text, 'minnow.yaml')));

describe('a hostile minnow.yaml', () => {
  it('an alias bomb is a config error with file:line, exit 2', async () => {
    const lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 10; i++) {
      const prev = String.fromCharCode(96 + i);
      const cur = String.fromCharCode(97 + i);
      lines.push(`${cur}: &${cur} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    const err = await problem(`defaults:\n  labels: {}\n${lines.map((l) => `x${l}`).join('\n')}\n`);
    expect(err.code).toBe('CONFIG_INVALID');
    expect(exitCodeFor(err.code)).toBe(2);
    expect(err.message).toMatch(/^minnow\.yaml:\d+:\d+: \(yaml\): /);
  });

  it('an unresolved alias names its line', async () => {
    const err = await problem('defaults:\n  base: static\n  env: *nothing\n');
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.message).toMatch(/^minnow\.yaml:3:\d+: \(yaml\): /);
  });

  it.each([
    ['-o /tmp/owned', '-o'],
    ['-X main.v=1 -o=/etc/passwd', '-o=/etc/passwd'],
    ['-extld=/bin/sh', '-extld=/bin/sh'],
    ['-linkmode external', '-linkmode'],
    ['-tmpdir /x', '-tmpdir'],
  ])('ldflags %j is refused at its line', async (flags, bad) => {
    const err = await problem(`defaults:\n  ldflags:\n    - "-s"\n    - "${flags}"\n`);
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.message).toBe(
      `minnow.yaml:4:7: defaults.ldflags[1]: ${bad} is not allowed in a config file: it makes the linker write elsewhere or run another program`,
    );
  });

  it('GOFLAGS=-toolexec or -o in goEnv is refused', async () => {
    const err = await problem('defaults:\n  goEnv:\n    GOFLAGS: "-mod=mod -toolexec=/bin/evil"\n');
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.message).toMatch(
      /^minnow\.yaml:3:\d+: defaults\.goEnv\.GOFLAGS: -toolexec=\/bin\/evil is not allowed/,
    );
  });

  it('ordinary flags pass', () => {
    expect(forbiddenLinkerFlag(['-X', 'main.version=1.0', '-s', '-w', '-extar=x'])).toBeUndefined();
    expect(forbiddenGoFlag('-mod=mod -trimpath -buildvcs=false')).toBeUndefined();
    expect(parseConfig('defaults:\n  ldflags: ["-X main.v={{.Version}}"]\n').defaults?.ldflags).toEqual([
      '-X main.v={{.Version}}',
    ]);
  });
});
