import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { builtinBase } from '../../src/base/builtin.js';
import { ElfFile, bufferSource, isDataSegment } from '../../src/go/elf.js';
import { mutate, writeLayer } from '../../src/oci/index.js';
import { writeLayout } from '../../src/publish/layout.js';
import { exec } from '../helpers/exec.js';
import { goBinTool } from '../helpers/peer-tools.js';
import { tempDir } from '../helpers/tmp.js';

/**
 * Issue 11, item 1: Go modules vanished from the SBOM (and analyze said "go binaries: none") for externally linked
 * Go binaries whose .data pushes .go.buildinfo more than 64 KiB past the start of the data segment. Two such
 * binaries, each put in an image, go through the real CLI (bin/minnow.cjs, the bundle `npm run build` makes):
 * a 20-line cgo program linked by gcc, and syft as scripts/install-go-tools.sh go-installs it (hundreds of modules).
 */
const BIN = fileURLToPath(new URL('../../bin/minnow.cjs', import.meta.url));

/** A cgo program whose C data (a writable 256 KiB table, so not moved to .rodata) lands in .data before Go's. */
const CGO_MAIN = `package main

/*
#include <stdio.h>
char table[256 * 1024] = { 1 };
static int sum(void) { int s = 0; for (size_t i = 0; i < sizeof table; i++) s += table[i]++; return s; }
static void hello(void) { printf("hello from C %d\\n", sum()); fflush(stdout); }
*/
import "C"

import (
	"fmt"

	"github.com/google/uuid"
	"github.com/pkg/errors"
)

func main() {
	C.hello()
	fmt.Println(uuid.NewSHA1(uuid.NameSpaceURL, []byte("minnow")), errors.New("from Go"))
}
`;

/** Two dependencies syft has too, so `go install syft` (install-go-tools.sh) leaves them in GOMODCACHE. */
const CGO_GO_MOD = `module example.com/cgoapp

go 1.21

require (
\tgithub.com/google/uuid v1.6.0
\tgithub.com/pkg/errors v0.9.1
)
`;
const CGO_GO_SUM = `github.com/google/uuid v1.6.0 h1:NIvaJDMOsjHA8n1jAhLSgzrAzy1Hgr+hNrb57e+94F0=
github.com/google/uuid v1.6.0/go.mod h1:TIyPZe4MgqvfeYDBFedMoGGpEw/LqOeaOT+nhxU+yHo=
github.com/pkg/errors v0.9.1 h1:FEBLx1zS214owpjy7qsBeixbURkuhQAwrK5UwLGTwt4=
github.com/pkg/errors v0.9.1/go.mod h1:bwawxfHBFNV+L2hUp1rHADufV3IMtnDRdf1r5NINEl0=
`;

interface Module {
  path: string;
  version: string;
  sum?: string;
  replace?: Module;
}

/** What `go version -m` prints, parsed from its text: the reference every output below must agree with. */
interface GoVersionM {
  goVersion: string;
  path: string;
  main: Module;
  deps: Module[];
  settings: Record<string, string>;
}

async function goVersionM(bin: string): Promise<GoVersionM> {
  const [first = '', ...lines] = (await exec('go', ['version', '-m', bin])).trimEnd().split('\n');
  const ref: GoVersionM = {
    goVersion: first.slice(first.lastIndexOf(': ') + 2),
    path: '',
    main: { path: '', version: '' },
    deps: [],
    settings: {},
  };
  const mod = (f: string[]): Module => ({
    path: f[0] ?? '',
    version: f[1] ?? '',
    ...(f[2] ? { sum: f[2] } : {}),
  });
  for (const line of lines) {
    const [kind, ...f] = line.replace(/^\t/, '').split('\t');
    if (kind === 'path') ref.path = f[0] ?? '';
    else if (kind === 'mod') ref.main = mod(f);
    else if (kind === 'dep') ref.deps.push(mod(f));
    else if (kind === '=>') {
      const last = ref.deps.at(-1);
      if (last) last.replace = mod(f);
    } else if (kind === 'build') {
      const kv = f.join('\t');
      const eq = kv.indexOf('=');
      const value = kv.slice(eq + 1);
      ref.settings[kv.slice(0, eq)] = value.startsWith('"') ? (JSON.parse(value) as string) : value;
    } else throw new Error(`unexpected go version -m line: ${line}`);
  }
  return ref;
}

/**
 * The Go components an SBOM must list for a binary, `name@version`: Go's standard library, the main module and
 * every dependency (a replaced one as what replaced it, when that has a version: docs/rules.md's SBOM section).
 */
function expectedComponents(ref: GoVersionM): string[] {
  const deps = ref.deps.map((d) =>
    d.replace && d.replace.version && d.replace.version !== '(devel)' ? d.replace : d,
  );
  return [
    `stdlib@${ref.goVersion}`,
    `${ref.main.path}@${ref.main.version}`,
    ...deps.map((d) => `${d.path}@${d.version}`),
  ].sort();
}

/** The same as decoded PURLs: `pkg:golang/PATH@VERSION`, no version for a `(devel)` main module. */
function expectedPurls(ref: GoVersionM): string[] {
  const deps = ref.deps.map((d) =>
    d.replace && d.replace.version && d.replace.version !== '(devel)' ? d.replace : d,
  );
  const main = ref.main.version === '(devel)' ? '' : `@${ref.main.version}`;
  return [
    `pkg:golang/stdlib@${ref.goVersion.replace(/^go/, '')}`,
    `pkg:golang/${ref.main.path}${main}`,
    ...deps.map((d) => `pkg:golang/${d.path}@${d.version}`),
  ].sort();
}

/** How far .go.buildinfo sits past the start of the writable segment, and whether gcc (not Go) linked the file. */
async function elfLayout(bin: string): Promise<{ offsetInSegment: number; externallyLinked: boolean }> {
  const bytes = await readFile(bin);
  const elf = await ElfFile.open(bufferSource(bytes));
  const section = elf.section('.go.buildinfo');
  if (!section) throw new Error(`${bin} has no .go.buildinfo section`);
  const segment = elf.header.programHeaders.find(
    (p) => isDataSegment(p) && section.addr >= p.vaddr && section.addr < p.vaddr + p.memsz,
  );
  if (!segment) throw new Error(`${bin}: no data segment holds .go.buildinfo`);
  // Go's own linker writes no .comment; GNU ld copies the compilers' "GCC: (Debian …)" strings into one.
  const comment = elf.section('.comment');
  const text = comment ? bytes.toString('latin1', comment.offset, comment.offset + comment.size) : '';
  return { offsetInSegment: section.addr - segment.vaddr, externallyLinked: text.includes('GCC:') };
}

interface SpdxDoc {
  packages: {
    name: string;
    versionInfo: string;
    externalRefs: { referenceType: string; referenceLocator: string }[];
  }[];
}
interface CdxDoc {
  components: { name: string; version: string; purl: string; 'bom-ref': string }[];
  dependencies: { ref: string; dependsOn: string[] }[];
}
interface AnalyzeJson {
  goBinaries: {
    path: string;
    arch: string;
    dynamic: boolean;
    info: {
      goVersion: string;
      path?: string;
      main?: Module;
      deps: Module[];
      settings: Record<string, string>;
    };
  }[];
}

/** Runs the built CLI and returns its stdout. */
const minnow = (args: string[]): Promise<string> => exec(process.execPath, [BIN, ...args]);

interface Case {
  name: string;
  /** Where the binary is put in the image. */
  imagePath: string;
  bin: string;
  ref: GoVersionM;
  spdx: SpdxDoc;
  cdx: CdxDoc;
  analysis: AnalyzeJson;
  /** At least this many dependency modules. */
  minDeps: number;
}

describe('Go binaries in images whose build info sits past 64 KiB of the data segment (issue 11)', () => {
  const cases = new Map<string, Case>();
  beforeAll(async () => {
    const dir = await tempDir();
    // (a) The cgo program, linked externally by gcc: its two modules come from GOMODCACHE (or the module proxy).
    const src = join(dir, 'cgoapp');
    await exec('mkdir', ['-p', src]);
    await writeFile(join(src, 'go.mod'), CGO_GO_MOD);
    await writeFile(join(src, 'go.sum'), CGO_GO_SUM);
    await writeFile(join(src, 'main.go'), CGO_MAIN);
    const cgoBin = join(dir, 'cgoapp-bin');
    await exec('go', ['build', '-ldflags=-linkmode=external', '-o', cgoBin, '.'], {
      cwd: src,
      env: {
        ...process.env,
        CGO_ENABLED: '1',
        GOFLAGS: '-mod=readonly -buildvcs=false',
        GOTOOLCHAIN: 'local',
        GOWORK: 'off',
      },
    }).catch((err: unknown) => {
      throw new Error(
        `building the cgo program needs github.com/google/uuid@v1.6.0 and github.com/pkg/errors@v0.9.1 from ` +
          `GOMODCACHE or the Go module proxy: ${String(err)}`,
      );
    });
    // (b) syft as go install built it: a missing syft fails here, naming the script that installs it.
    const syft = await goBinTool('syft');

    const base = await builtinBase('static', { cacheDir: join(dir, 'cache'), caCerts: false, mtime: 0 });
    if (base.target.kind !== 'image') throw new Error('the static base should be one image');
    for (const [name, bin, imagePath, minDeps] of [
      ['cgoapp', cgoBin, '/usr/local/bin/cgoapp', 2],
      ['syft', syft, '/usr/local/bin/syft', 100],
    ] as const) {
      const written = await writeLayer([{ type: 'file', path: imagePath, source: bin, mode: 0o555 }], {
        blobDir: join(dir, `blobs-${name}`),
        mtime: 0,
      });
      const image = await mutate(base.target.image, {
        layers: [{ layer: written.layer, history: { created: '1970-01-01T00:00:00Z', created_by: name } }],
        config: (c) => ({ ...c, config: { ...c.config, Entrypoint: [imagePath] } }),
      });
      const dest = join(dir, `layout-${name}`);
      await writeLayout(dest, { kind: 'image', image }, { tag: 'latest' });
      const oci = `oci:${dest}:latest`;
      cases.set(name, {
        name,
        imagePath,
        bin,
        ref: await goVersionM(bin),
        spdx: JSON.parse(await minnow(['sbom', oci, '--format', 'spdx-json', '-q'])) as SpdxDoc,
        cdx: JSON.parse(await minnow(['sbom', oci, '--format', 'cyclonedx-json', '-q'])) as CdxDoc,
        analysis: JSON.parse(await minnow(['analyze', oci, '--json', '-q'])) as AnalyzeJson,
        minDeps,
      });
    }
  }, 600_000);

  const get = (name: string): Case => {
    const c = cases.get(name);
    if (!c) throw new Error(`${name} was not set up`);
    return c;
  };

  it('the cgo program is what the issue describes: gcc-linked, build info > 64 KiB into the data segment', async () => {
    const c = get('cgoapp');
    const l = await elfLayout(c.bin);
    expect(l.externallyLinked).toBe(true);
    expect(l.offsetInSegment).toBeGreaterThan(64 * 1024);
    expect(c.ref.settings['-ldflags']).toBe('-linkmode=external');
    expect(c.ref.settings.CGO_ENABLED).toBe('1');
    expect(c.ref.main).toEqual({ path: 'example.com/cgoapp', version: '(devel)' });
    expect(c.ref.deps.map((d) => `${d.path}@${d.version}`)).toEqual([
      'github.com/google/uuid@v1.6.0',
      'github.com/pkg/errors@v0.9.1',
    ]);
    // It is a working program: its C and Go halves both ran.
    expect(await exec(c.bin, [])).toMatch(/^hello from C 1\n[0-9a-f-]{36} from Go\n$/);
  });

  it('syft (go install) is the same kind of binary, with its hundreds of modules', async () => {
    const c = get('syft');
    const l = await elfLayout(c.bin);
    // install-go-tools.sh builds it with cgo on (gcc is on the machines); a cgo dependency makes Go link externally.
    expect(l.externallyLinked).toBe(true);
    expect(l.offsetInSegment).toBeGreaterThan(64 * 1024);
    expect(c.ref.main.path).toBe('github.com/anchore/syft');
    expect(c.ref.deps.length).toBeGreaterThan(100);
  });

  for (const name of ['cgoapp', 'syft']) {
    it(`${name}: analyze --json finds the binary with exactly the build info go version -m prints`, () => {
      const { analysis, ref, imagePath, minDeps } = get(name);
      expect(analysis.goBinaries.map((b) => b.path)).toEqual([imagePath]);
      const [b] = analysis.goBinaries;
      expect(b?.arch).toBe('amd64');
      expect(b?.dynamic).toBe(true);
      expect(b?.info.goVersion).toBe(ref.goVersion);
      expect(b?.info.path).toBe(ref.path);
      expect(b?.info.main).toEqual(ref.main);
      expect(b?.info.deps).toEqual(ref.deps);
      expect(b?.info.settings).toEqual(ref.settings);
      expect(ref.deps.length).toBeGreaterThanOrEqual(minDeps);
    });

    it(`${name}: the SPDX SBOM lists stdlib, the main module and every dependency module, as go version -m`, () => {
      const { spdx, ref, minDeps } = get(name);
      const golang = spdx.packages
        .map((p) => ({
          p,
          purl: p.externalRefs.find((r) => r.referenceType === 'purl')?.referenceLocator ?? '',
        }))
        .filter(({ purl }) => purl.startsWith('pkg:golang/'));
      expect(golang.map(({ p }) => `${p.name}@${p.versionInfo}`).sort()).toEqual(expectedComponents(ref));
      expect(golang.map(({ purl }) => decodeURIComponent(purl)).sort()).toEqual(expectedPurls(ref));
      expect(golang.length).toBeGreaterThanOrEqual(minDeps + 2);
    });

    it(`${name}: the CycloneDX SBOM lists the same, the main module depending on every other`, () => {
      const { cdx, ref, minDeps } = get(name);
      const golang = cdx.components.filter((c) => c.purl.startsWith('pkg:golang/'));
      expect(golang.map((c) => `${c.name}@${c.version}`).sort()).toEqual(expectedComponents(ref));
      expect(golang.map((c) => decodeURIComponent(c.purl)).sort()).toEqual(expectedPurls(ref));
      expect(golang.length).toBeGreaterThanOrEqual(minDeps + 2);
      const main = golang.find((c) => c.name === ref.main.path);
      const edges = cdx.dependencies.find((d) => d.ref === main?.['bom-ref'])?.dependsOn ?? [];
      expect([...edges].sort()).toEqual(
        golang
          .filter((c) => c !== main)
          .map((c) => c.purl)
          .sort(),
      );
    });
  }
});
