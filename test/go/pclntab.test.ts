import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { bufferSource, ElfFile } from '../../src/go/elf.js';
import { parsePclntab } from '../../src/go/pclntab.js';
import { CGO_MODULE, HELLO_DIR, writeModule } from './go-fixtures.js';
import { tempDir } from '../helpers/tmp.js';

const run = promisify(execFile);

async function pclntabOf(path: string): Promise<Buffer> {
  const data = await readFile(path);
  const elf = await ElfFile.open(bufferSource(data));
  const s = elf.section('.gopclntab');
  if (!s) throw new Error(`${path} has no .gopclntab`);
  return data.subarray(s.offset, s.offset + s.size);
}

/**
 * The pclntab bytes each function alone owns, the slow way: every pc-value table walked to its end, counted for
 * the first function that uses it (what parsePclntab computed before it read the lengths off the linker's
 * layout). Little-endian, 64-bit.
 */
function walkedTableBytes(tab: Buffer): number[] {
  const word = (i: number): number => Number(tab.readBigUInt64LE(8 + i * 8));
  const [nfunc, funcnameOff, pctabOff, pclnOff] = [word(0), word(3), word(6), word(7)];
  const seen = new Set<number>();
  const length = (off: number): number => {
    let p = pctabOff + off;
    for (let first = true; ; first = false) {
      const valueStart = p;
      while ((tab[p++] as number) & 0x80);
      if (tab[valueStart] === 0 && p === valueStart + 1 && !first) break;
      while ((tab[p++] as number) & 0x80);
    }
    return p - (pctabOff + off);
  };
  const owned = (off: number): number => {
    if (off === 0 || seen.has(off)) return 0;
    seen.add(off);
    return length(off);
  };
  const out: number[] = [];
  for (let i = 0; i < nfunc; i++) {
    const funcOff = pclnOff + tab.readUInt32LE(pclnOff + i * 8 + 4);
    const npcdata = tab.readUInt32LE(funcOff + 28);
    const nfuncdata = tab[funcOff + 43] as number;
    const nameStart = funcnameOff + tab.readUInt32LE(funcOff + 4);
    let n = 44 + 4 * npcdata + 4 * nfuncdata + (tab.indexOf(0, nameStart) - nameStart + 1);
    for (const field of [16, 20, 24]) n += owned(tab.readUInt32LE(funcOff + field));
    for (let k = 0; k < npcdata; k++) n += owned(tab.readUInt32LE(funcOff + 44 + 4 * k));
    out.push(n);
  }
  return out;
}

describe('pclntab function table (real go binaries)', () => {
  const binaries: Record<string, string> = {};
  beforeAll(async () => {
    const out = await tempDir();
    const goroot = (await run('go', ['env', 'GOROOT'])).stdout.trim();
    binaries.gofmt = join(goroot, 'bin', 'gofmt');
    binaries.go = join(goroot, 'bin', 'go');
    binaries.hello = join(out, 'hello');
    await run('go', ['build', '-trimpath', '-ldflags=-s -w', '-o', binaries.hello, '.'], {
      cwd: HELLO_DIR,
      env: { ...process.env, CGO_ENABLED: '0' },
    });
    const cgo = await writeModule(join(out, 'cgo'), CGO_MODULE);
    binaries.cgo = join(out, 'cgo-bin');
    await run('go', ['build', '-trimpath', '-ldflags=-s -w -linkmode=external', '-o', binaries.cgo, '.'], {
      cwd: cgo,
      env: { ...process.env, CGO_ENABLED: '1' },
    });
  }, 300_000);

  it("counts each function's pc-value tables as walking them does, by the linker's layout", async () => {
    for (const [name, path] of Object.entries(binaries)) {
      const tab = await pclntabOf(path);
      const funcs = parsePclntab(tab).funcs;
      const walked = walkedTableBytes(tab);
      expect(funcs.length, name).toBe(walked.length);
      const differ = funcs.flatMap((f, i) =>
        f.tableBytes === walked[i] ? [] : [`${name} #${i}: ${f.tableBytes} vs ${walked[i]}`],
      );
      expect(differ, name).toEqual([]);
      // Every pc-value table is some function's: together they own all of pctab but its leading pad byte.
      const total = funcs.reduce((n, f) => n + f.tableBytes, 0);
      expect(total, name).toBe(walked.reduce((n, b) => n + b, 0));
    }
  });

  it('refuses a function table cut short, in one line', async () => {
    const tab = Buffer.from(await pclntabOf(binaries.hello as string));
    expect(() => parsePclntab(tab.subarray(0, tab.length >> 1))).toThrow(/^unreadable Go pclntab: [^\n]+$/);
  });
});
