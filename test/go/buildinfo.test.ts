import { createReadStream } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BuildInfoScanner, scanBuildInfoAt } from '../../src/go/buildinfo-scanner.js';
import { readBuildInfo, type GoBuildInfo } from '../../src/go/buildinfo.js';
import { ElfFile, bufferSource, type RandomAccess } from '../../src/go/elf.js';
import { exec } from '../helpers/exec.js';
import { tempDir } from '../helpers/tmp.js';

/** A 20-line cgo program, linked by the system's linker (gcc) as `-linkmode=external` asks. */
const CGO_MAIN = `package main

/*
#include <stdio.h>
#include <string.h>
static char table[256 * 1024] = { 1 };
static int sum(void) { int s = 0; for (size_t i = 0; i < sizeof table; i++) s += table[i]; return s; }
static void hello(void) { printf("hello from C %d\\n", sum()); }
*/
import "C"

import (
	"fmt"

	"example.com/lib"
)

func main() { C.hello(); fmt.Println(lib.Hello()) }
`;

/** A program with one dependency (a local module through `replace`, so no network is needed). */
async function writeProgram(dir: string): Promise<string> {
  const app = join(dir, 'app');
  const lib = join(dir, 'lib');
  await mkdir(app, { recursive: true });
  await mkdir(lib, { recursive: true });
  await writeFile(join(lib, 'go.mod'), 'module example.com/lib\n\ngo 1.21\n');
  await writeFile(join(lib, 'lib.go'), 'package lib\n\nfunc Hello() string { return "hi" }\n');
  await writeFile(
    join(app, 'go.mod'),
    'module example.com/app\n\ngo 1.21\n\nrequire example.com/lib v1.2.3\n\nreplace example.com/lib v1.2.3 => ../lib\n',
  );
  await writeFile(
    join(app, 'main.go'),
    'package main\n\nimport (\n\t"fmt"\n\t"example.com/lib"\n)\n\nfunc main() { fmt.Println(lib.Hello()) }\n',
  );
  const cgo = join(dir, 'cgo');
  await mkdir(cgo, { recursive: true });
  await writeFile(
    join(cgo, 'go.mod'),
    'module example.com/app\n\ngo 1.21\n\nrequire example.com/lib v1.2.3\n\nreplace example.com/lib v1.2.3 => ../lib\n',
  );
  await writeFile(join(cgo, 'main.go'), CGO_MAIN);
  return app;
}

const env = (extra: Record<string, string>): NodeJS.ProcessEnv => ({
  ...process.env,
  CGO_ENABLED: '0',
  GOFLAGS: '-mod=mod',
  GOPROXY: 'off',
  GOTOOLCHAIN: 'local',
  ...extra,
});

interface Variant {
  name: string;
  args: string[];
  env: Record<string, string>;
  arch: string;
  /** Build the cgo program (external linking) instead of the pure-Go one. */
  cgo?: boolean;
  dynamic?: boolean;
}

const VARIANTS: Variant[] = [
  { name: 'default', args: [], env: {}, arch: 'amd64' },
  { name: 'stripped', args: ['-trimpath', '-ldflags=-s -w'], env: {}, arch: 'amd64' },
  { name: 'pie', args: ['-buildmode=pie', '-ldflags=-s -w'], env: {}, arch: 'amd64', dynamic: true },
  { name: 'arm64', args: ['-ldflags=-s -w'], env: { GOARCH: 'arm64' }, arch: 'arm64' },
  { name: '386', args: [], env: { GOARCH: '386' }, arch: '386' },
  { name: 's390x', args: [], env: { GOARCH: 's390x' }, arch: 's390x' },
  // Every word size and byte order the header takes (mips 32-bit BE, arm 32-bit LE, ppc64 64-bit BE), and the GOARCHes
  // that share one ELF machine number (mips*, ppc64*).
  { name: 'mips', args: [], env: { GOARCH: 'mips' }, arch: 'mips' },
  { name: 'arm', args: ['-ldflags=-s -w'], env: { GOARCH: 'arm', GOARM: '7' }, arch: 'arm' },
  { name: 'ppc64', args: [], env: { GOARCH: 'ppc64' }, arch: 'ppc64' },
  { name: 'ppc64le', args: [], env: { GOARCH: 'ppc64le' }, arch: 'ppc64le' },
  { name: 'mipsle', args: [], env: { GOARCH: 'mipsle' }, arch: 'mipsle' },
  { name: 'mips64', args: [], env: { GOARCH: 'mips64' }, arch: 'mips64' },
  {
    name: 'cgo-external',
    args: ['-ldflags=-linkmode=external'],
    env: { CGO_ENABLED: '1' },
    arch: 'amd64',
    cgo: true,
    dynamic: true,
  },
  {
    name: 'cgo-external-pie-stripped',
    args: ['-buildmode=pie', '-ldflags=-linkmode=external -s -w'],
    env: { CGO_ENABLED: '1' },
    arch: 'amd64',
    cgo: true,
    dynamic: true,
  },
];

/** The word size and byte order of each target: the ELF header's and the build info header's must both say so. */
const WORD: Record<string, { bits: 32 | 64; bigEndian: boolean }> = {
  amd64: { bits: 64, bigEndian: false },
  arm64: { bits: 64, bigEndian: false },
  '386': { bits: 32, bigEndian: false },
  s390x: { bits: 64, bigEndian: true },
  mips: { bits: 32, bigEndian: true },
  arm: { bits: 32, bigEndian: false },
  ppc64: { bits: 64, bigEndian: true },
  ppc64le: { bits: 64, bigEndian: false },
  mipsle: { bits: 32, bigEndian: false },
  mips64: { bits: 64, bigEndian: true },
};

/** What `go version -m` says, the reference this parser must agree with. */
async function goVersionM(bin: string): Promise<{ goVersion: string; lines: string[] }> {
  const out = await exec('go', ['version', '-m', bin]);
  const [first, ...rest] = out.trimEnd().split('\n');
  return {
    goVersion: (first ?? '').split(': ')[1] ?? '',
    lines: rest.map((l) => l.trim()).filter((l) => l !== ''),
  };
}

function asLines(info: GoBuildInfo): string[] {
  const mod = (kind: string, m: { path: string; version: string; sum?: string }): string =>
    [kind, m.path, m.version, m.sum].filter((x) => x !== undefined && x !== '').join('\t');
  const lines = [`path\t${info.path}`];
  if (info.main) lines.push(mod('mod', info.main));
  for (const d of info.deps) {
    lines.push(mod('dep', d));
    if (d.replace) lines.push(mod('=>', d.replace));
  }
  for (const [k, v] of Object.entries(info.settings)) {
    lines.push(`build\t${k}=${/[ \t\r\n"`]/.test(v) ? JSON.stringify(v) : v}`);
  }
  return lines;
}

describe('readBuildInfo', () => {
  const bins = new Map<string, string>();
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir();
    const app = await writeProgram(dir);
    for (const v of VARIANTS) {
      const out = join(dir, `bin-${v.name}`);
      await exec('go', ['build', ...v.args, '-o', out, '.'], {
        cwd: v.cgo ? join(dir, 'cgo') : app,
        env: env(v.env),
      });
      bins.set(v.name, out);
    }
  }, 900_000);

  for (const v of VARIANTS) {
    it(`reads the ${v.name} binary as go version -m does`, async () => {
      const bin = bins.get(v.name) as string;
      const info = await readBuildInfo(bin);
      const ref = await goVersionM(bin);
      expect(info?.goVersion).toBe(ref.goVersion);
      expect(info?.path).toBe('example.com/app');
      expect(info?.main?.path).toBe('example.com/app');
      expect(info?.deps).toEqual([
        { path: 'example.com/lib', version: 'v1.2.3', replace: { path: '../lib', version: '(devel)' } },
      ]);
      expect(info?.settings.GOARCH).toBe(v.arch);
      expect(asLines(info as GoBuildInfo)).toEqual(ref.lines);
      // The binary really is of its target's word size and byte order, and so is the build info header
      // (byte 14 the pointer size, bit 0 of byte 15 big-endian) the reader decodes.
      const bytes = await readFile(bin);
      const elf = await ElfFile.open(bufferSource(bytes));
      const word = WORD[v.arch];
      expect([elf.header.class, !elf.header.littleEndian]).toEqual([word?.bits, word?.bigEndian]);
      const section = elf.section('.go.buildinfo');
      const blob = bytes.subarray(section?.offset, (section?.offset ?? 0) + 16);
      expect(blob.toString('latin1', 0, 14)).toBe('\xff Go buildinf:');
      expect([blob[14], ((blob[15] ?? 0) & 1) === 1]).toEqual([(word?.bits ?? 0) / 8, word?.bigEndian]);
    });
  }

  it('finds the same info while the binary streams past, in small chunks', async () => {
    for (const v of VARIANTS) {
      const bin = bins.get(v.name) as string;
      const scanner = new BuildInfoScanner();
      for await (const chunk of createReadStream(bin, { highWaterMark: 1000 })) scanner.push(chunk as Buffer);
      expect(await scanner.result()).toEqual(await readBuildInfo(bin));
      expect(scanner.arch).toBe(v.arch);
      expect(scanner.dynamic).toBe(v.dynamic === true);
      // Chunks are lent: one buffer, filled again for each and scribbled over after, gives the same info.
      const lent = new BuildInfoScanner();
      const bytes = await readFile(bin);
      const buf = Buffer.alloc(1000);
      for (let i = 0; i < bytes.length; i += buf.length) {
        lent.push(buf.subarray(0, bytes.copy(buf, 0, i, i + buf.length)));
        buf.fill(0xaa);
      }
      expect(await lent.result()).toEqual(await readBuildInfo(bin));
    }
  });

  it('finds the same info read at offsets, reading the headers and data segments only', async () => {
    const counted = (data: Buffer): { read: RandomAccess; bytes: () => number } => {
      let bytes = 0;
      const src = bufferSource(data);
      return {
        read: {
          size: src.size,
          read: async (o, n) => ((bytes += Math.min(n, data.length - o)), src.read(o, n)),
        },
        bytes: () => bytes,
      };
    };
    for (const v of VARIANTS) {
      const bin = await readFile(bins.get(v.name) as string);
      const streamed = new BuildInfoScanner();
      streamed.push(bin);
      const src = counted(bin);
      const atOffsets = await scanBuildInfoAt(src.read);
      expect(await atOffsets.result()).toEqual(await streamed.result());
      expect([atOffsets.elf, atOffsets.arch, atOffsets.dynamic]).toEqual([
        streamed.elf,
        streamed.arch,
        streamed.dynamic,
      ]);
      // The code and read-only data in between are not read: most of a Go binary.
      expect(src.bytes()).toBeLessThan(bin.length / 2);
    }
    for (const other of [await readFile('/bin/ls'), Buffer.from('#!/bin/sh\necho hi\n')]) {
      const streamed = new BuildInfoScanner();
      streamed.push(other);
      const atOffsets = await scanBuildInfoAt(bufferSource(other));
      expect(await atOffsets.result()).toEqual(await streamed.result());
      expect([atOffsets.elf, atOffsets.dynamic]).toEqual([streamed.elf, streamed.dynamic]);
    }
  });

  it('finds build info that the external linker put past the first 64 KiB of the data segment', async () => {
    // The case Go's old 64 KiB window missed: the test is only meaningful while the blob sits that far in.
    // An externally linked PIE puts Go's read-only data (.data.rel.ro) first in the writable segment.
    const bin = await readFile(bins.get('cgo-external-pie-stripped') as string);
    const elf = await ElfFile.open(bufferSource(bin));
    const section = elf.section('.go.buildinfo');
    const segment = elf.header.programHeaders.find(
      (p) =>
        p.type === 1 &&
        (p.flags & 3) === 2 &&
        section &&
        section.addr >= p.vaddr &&
        section.addr < p.vaddr + p.memsz,
    );
    expect(section && segment && section.addr - segment.vaddr).toBeGreaterThan(64 * 1024);
    // Without section headers (as a stream sees the file) the whole segment is searched.
    const noSections = Buffer.from(bin);
    noSections.fill(0, 0x28, 0x30); // e_shoff = 0
    noSections.fill(0, 0x3c, 0x3e); // e_shnum = 0
    expect((await readBuildInfo(noSections))?.deps.map((d) => d.path)).toEqual(['example.com/lib']);
  });

  it('returns undefined for an ELF that is not Go, and refuses a file that is not ELF', async () => {
    const ls = await readFile('/bin/ls');
    expect(await readBuildInfo(ls)).toBeUndefined();
    const scanner = new BuildInfoScanner();
    scanner.push(ls);
    expect(await scanner.result()).toBeUndefined();
    expect(scanner.dynamic).toBe(true);
    await expect(readBuildInfo(Buffer.from('#!/bin/sh\necho hi\n'))).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
  });

  it('survives truncated binaries without throwing', async () => {
    const full = await readFile(bins.get('default') as string);
    for (const n of [0, 10, 63, 200, 5000, Math.floor(full.length / 2)]) {
      const part = full.subarray(0, n);
      await readBuildInfo(part).catch((err: unknown) =>
        expect((err as { code: string }).code).toBe('INVALID_ARGUMENT'),
      );
      const scanner = new BuildInfoScanner();
      scanner.push(part);
      await scanner.result();
    }
  });
});
