import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  attributeBinary,
  moduleOfPackage,
  packageOfSymbol,
  SIZE_KINDS,
  symbolClassifier,
  type BinaryAttribution,
} from '../../src/go/attribution.js';
import { readBuildInfo } from '../../src/go/buildinfo.js';
import { runCli } from '../cli/build-helpers.js';
import { HELLO_DIR, writeModule } from './go-fixtures.js';
import { tempDir } from '../helpers/tmp.js';

const run = promisify(execFile);
const BIN = fileURLToPath(new URL('../../bin/minnow.cjs', import.meta.url));

/** The same source built stripped (as minnow builds) and unstripped (for `go tool nm`). */
async function buildPair(dir: string, out: string): Promise<{ stripped: string; full: string }> {
  const env = { ...process.env, CGO_ENABLED: '0' };
  const stripped = join(out, 'stripped');
  const full = join(out, 'full');
  await run('go', ['build', '-trimpath', '-ldflags=-s -w -buildid=', '-o', stripped, '.'], { cwd: dir, env });
  await run('go', ['build', '-trimpath', '-ldflags=-buildid=', '-o', full, '.'], { cwd: dir, env });
  return { stripped, full };
}

/** Code bytes per module and per package by `go tool nm -size` (text symbols), named as minnow names them. */
async function nmCode(
  full: string,
  classify: ReturnType<typeof symbolClassifier>,
): Promise<{ modules: Map<string, number>; packages: Map<string, number> }> {
  const { stdout } = await run('go', ['tool', 'nm', '-size', full], { maxBuffer: 1 << 28 });
  const modules = new Map<string, number>();
  const packages = new Map<string, number>();
  for (const line of stdout.split('\n')) {
    const m = /^\s*[0-9a-f]+\s+(\d+)\s+[Tt]\s+(.+)$/.exec(line);
    if (!m) continue;
    const { path, module } = classify(m[2] as string);
    modules.set(module, (modules.get(module) ?? 0) + Number(m[1]));
    packages.set(path, (packages.get(path) ?? 0) + Number(m[1]));
  }
  return { modules, packages };
}

/** Modules and packages (of at least `min` code bytes) whose code differs from nm's by more than `tolerance`. */
function disagreements(
  ours: { path: string; code: number }[],
  theirs: Map<string, number>,
  tolerance: number,
  min: number,
): string[] {
  const out: string[] = [];
  for (const o of ours) {
    const n = theirs.get(o.path) ?? 0;
    if (Math.max(n, o.code) < min) continue;
    if (Math.abs(o.code - n) > tolerance * n) out.push(`${o.path}: minnow ${o.code}, nm ${n}`);
  }
  for (const [path, n] of theirs) {
    if (n >= min && !ours.some((o) => o.path === path)) out.push(`${path}: only nm has it (${n})`);
  }
  return out;
}

/** What must hold for any attribution: kinds add up to the file, attributed and unattributed too. */
function checkTotals(a: BinaryAttribution, size: number): void {
  expect(a.fileSize).toBe(size);
  expect(SIZE_KINDS.reduce((n, k) => n + a.kinds[k], 0)).toBe(size);
  expect(a.attributed + a.unattributed).toBe(size);
  expect(a.packages.reduce((n, p) => n + p.code + p.pclntab, 0)).toBe(a.attributed);
  expect(a.modules.reduce((n, m) => n + m.code, 0)).toBe(a.packages.reduce((n, p) => n + p.code, 0));
  expect(a.kinds.code).toBeGreaterThanOrEqual(a.packages.reduce((n, p) => n + p.code, 0));
}

async function compareWithNm(dir: string): Promise<BinaryAttribution> {
  const { stripped, full } = await buildPair(dir, await tempDir());
  const data = await readFile(stripped);
  const info = await readBuildInfo(data);
  const a = await attributeBinary(data);
  checkTotals(a, data.length);
  const nm = await nmCode(full, symbolClassifier(info));
  expect(disagreements(a.modules, nm.modules, 0.02, 1)).toEqual([]);
  expect(disagreements(a.packages, nm.packages, 0.02, 4096)).toEqual([]);
  return a;
}

describe('Go binary attribution (real go, compared with go tool nm)', () => {
  it('names packages and modules the way Go names symbols', () => {
    const mods = ['gopkg.in/yaml.v3', 'github.com/spf13/cobra', 'example.com/app'];
    expect(packageOfSymbol('net/http.(*Server).Serve')).toBe('net/http');
    expect(packageOfSymbol('gopkg.in/yaml%2ev3.(*parser).init')).toBe('gopkg.in/yaml.v3');
    expect(packageOfSymbol('slices.SortFunc[go.shape.[]github.com/x/y.T]')).toBe('slices');
    expect(packageOfSymbol('type:.eq.[2]interface {}')).toBe('(linker)');
    expect(packageOfSymbol('_expand_key_128')).toBe('(no package)');
    expect(moduleOfPackage('github.com/spf13/cobra/doc', mods)).toBe('github.com/spf13/cobra');
    expect(moduleOfPackage('vendor/golang.org/x/net/idna', mods)).toBe('std');
    expect(moduleOfPackage('internal/abi', mods)).toBe('std');
  });

  it('agrees with nm within 2% per module and per package for examples/hello', async () => {
    const a = await compareWithNm(HELLO_DIR);
    expect(a.modules.map((m) => m.path)).toContain('std');
    expect(a.packages.find((p) => p.path === 'runtime')?.code).toBeGreaterThan(100_000);
    expect(a.nonGoCode).toBeLessThan(1024);
  });

  describe('a program with modules from the Go module proxy', () => {
    let dir: string;
    beforeAll(async () => {
      dir = await writeModule(await tempDir(), {
        'main.go': [
          'package main',
          '',
          'import (',
          '\t"fmt"',
          '\t"github.com/google/uuid"',
          '\t"github.com/sirupsen/logrus"',
          '\t"github.com/spf13/cobra"',
          '\t"gopkg.in/yaml.v3"',
          ')',
          '',
          'func main() {',
          '\tcmd := &cobra.Command{Use: "app", Run: func(*cobra.Command, []string) {',
          '\t\tout, _ := yaml.Marshal(map[string]string{"id": uuid.NewString()})',
          '\t\tlogrus.Info(string(out))',
          '\t\tfmt.Println("ok")',
          '\t}}',
          '\t_ = cmd.Execute()',
          '}',
          '',
        ].join('\n'),
      });
      const mod = [
        'module example.com/app',
        '',
        'go 1.21',
        '',
        'require (',
        '\tgithub.com/google/uuid v1.6.0',
        '\tgithub.com/sirupsen/logrus v1.9.3',
        '\tgithub.com/spf13/cobra v1.8.1',
        '\tgopkg.in/yaml.v3 v3.0.1',
        ')',
        '',
      ].join('\n');
      await import('node:fs/promises').then((fs) => fs.writeFile(join(dir, 'go.mod'), mod));
      await run('go', ['mod', 'tidy'], { cwd: dir, maxBuffer: 1 << 24 });
    }, 300_000);

    it('agrees with nm within 2% per module and per package, dotted module paths included', async () => {
      const a = await compareWithNm(dir);
      const paths = a.modules.map((m) => m.path);
      for (const m of [
        'github.com/spf13/cobra',
        'github.com/spf13/pflag',
        'gopkg.in/yaml.v3',
        'example.com/app',
      ]) {
        expect(paths).toContain(m);
      }
      expect(a.modules.find((m) => m.path === 'gopkg.in/yaml.v3')?.version).toBe('v3.0.1');
      expect(a.packages.find((p) => p.path === 'gopkg.in/yaml.v3')?.code).toBeGreaterThan(50_000);
    });
  });

  it('analyze reports it in --json, text and Markdown, for a stripped binary in an image', async () => {
    const layout = join(await tempDir(), 'img');
    expect((await runCli(['build', HELLO_DIR, '-o', `oci:${layout}:v1`, '-q'])).code).toBe(0);
    const json = await runCli(['analyze', `oci:${layout}:v1`, '--json']);
    expect(json.code).toBe(0);
    const analysis = JSON.parse(json.stdout) as {
      goBinaries: { path: string; size: number; attribution: BinaryAttribution }[];
    };
    const bin = analysis.goBinaries[0]!;
    expect(bin.path).toBe('/app/hello');
    checkTotals(bin.attribution, bin.size);
    const runtime = bin.attribution.packages.find((p) => p.path === 'runtime')!;
    const text = await runCli(['analyze', `oci:${layout}:v1`]);
    expect(text.stdout).toContain(`Why /app/hello is `);
    expect(text.stdout).toMatch(new RegExp(`runtime\\s+${runtime.functions} functions`));
    const md = await runCli(['analyze', `oci:${layout}:v1`, '--markdown']);
    expect(md.stdout).toContain('### /app/hello: ');
    expect(md.stdout).toMatch(/\| [0-9.]+ [kM]B \| [0-9.]+% \| runtime \| \d+ functions/);
    // The built CLI attributes on its worker thread (the sources here attribute in-process): the same result.
    expect(
      existsSync(
        fileURLToPath(new URL('../../dist/cli-bundle/analysis-worker.js', import.meta.url)),
      ),
    ).toBe(true);
    const { stdout } = await run(process.execPath, [BIN, 'analyze', `oci:${layout}:v1`, '--json']);
    const built = JSON.parse(stdout) as typeof analysis;
    expect(built.goBinaries[0]?.attribution).toEqual(bin.attribution);
  });
});
