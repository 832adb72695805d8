import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyzeImage } from '../../src/analyze/analyze.js';
import { indexTar } from '../../src/base/tar-index.js';
import { parseConfig } from '../../src/config/load-config.js';
import { lintText } from '../../src/dockerfile/lint/lint.js';
import { MinnowError } from '../../src/errors.js';
import { decodeBuildInfo, parseModinfo } from '../../src/go/buildinfo.js';
import { parseElfHeader } from '../../src/go/elf.js';
import {
  emptyImage,
  isTarHeader,
  MediaType,
  mutate,
  parseImageConfig,
  parseIndexManifest,
  parseManifest,
  parsePaxRecords,
  sniffManifestMediaType,
} from '../../src/oci/index.js';
import { parseReference } from '../../src/registry/reference.js';
import { parseRetryAfter } from '../../src/registry/retry.js';
import { parseWwwAuthenticate } from '../../src/registry/www-authenticate.js';
import { escapeTerminal } from '../../src/util/terminal.js';
import { checkTar, gzipLayerFile, tarOf, walkTar } from '../helpers/tar-layers.js';
import { tempDir } from '../helpers/tmp.js';

/**
 * Property-based fuzzing of every parser of outside input: whatever the bytes, a parser returns or throws a
 * MinnowError (never a TypeError, a RangeError or a hang). A few seconds in CI; MINNOW_FUZZ_RUNS=100000 for more.
 */
const RUNS = Number(process.env.MINNOW_FUZZ_RUNS ?? 300);
const params = { numRuns: RUNS, interruptAfterTimeLimit: Number(process.env.MINNOW_FUZZ_MS ?? 4000) };

/** Calls `fn`; anything thrown must be a MinnowError. */
function onlyMinnowErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof MinnowError)) throw err;
  }
}

async function onlyMinnowErrorsAsync(fn: () => Promise<unknown>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    if (!(err instanceof MinnowError)) throw err;
  }
}

/** JSON-ish values shaped like manifests, with hostile leaves. */
const jsonish = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null),
    fc.boolean(),
    fc.double(),
    fc.integer({ min: -(2 ** 53), max: 2 ** 53 }),
    fc.string(),
    fc.constantFrom('sha256:' + 'a'.repeat(64), MediaType.OciManifest, MediaType.OciIndex, 'layers'),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(
      fc.constantFrom(
        'mediaType',
        'schemaVersion',
        'config',
        'layers',
        'manifests',
        'digest',
        'size',
        'rootfs',
        'diff_ids',
        'os',
        'architecture',
        'platform',
        'annotations',
        'x',
      ),
      tie('value'),
      { maxKeys: 6 },
    ),
  ),
})).value;

const manifestText = fc.oneof(
  fc.string(),
  jsonish.map((v) => JSON.stringify(v) ?? 'null'),
);

describe('fuzz: parsers of outside input fail only with MinnowError', () => {
  it('manifests, indexes, configs', () => {
    fc.assert(
      fc.property(manifestText, (text) => {
        onlyMinnowErrors(() => parseManifest(text));
        onlyMinnowErrors(() => parseIndexManifest(text));
        onlyMinnowErrors(() => parseImageConfig(Buffer.from(text)));
        onlyMinnowErrors(() => sniffManifestMediaType(text));
      }),
      params,
    );
  });

  it('image references', () => {
    const refChars = fc.string({
      unit: fc.constantFrom(...'abcXYZ019.:/@-_'.split(''), 'sha256:', '[', ']', '%', '\n'),
    });
    fc.assert(
      fc.property(fc.oneof(fc.string(), refChars), (text) => onlyMinnowErrors(() => parseReference(text))),
      params,
    );
  });

  it('WWW-Authenticate and Retry-After headers', () => {
    const header = fc.string({
      unit: fc.constantFrom(
        ...'Bearer Basic realm="x",service=\\" ,='.split(''),
        'scope="repository:a:pull"',
      ),
    });
    fc.assert(
      fc.property(fc.oneof(fc.string(), header), (text) => {
        onlyMinnowErrors(() => parseWwwAuthenticate(text));
        const ms = parseRetryAfter(text, 0);
        expect(ms === undefined || (Number.isFinite(ms) && ms >= 0)).toBe(true);
      }),
      params,
    );
  });

  it('minnow.yaml', () => {
    const yamlish = fc.string({
      unit: fc.constantFrom(
        'defaults:',
        '\n',
        '  ',
        'builds:',
        '- ',
        'main: ./x',
        'ldflags: [',
        ']',
        '&a ',
        '*a',
        '{',
        '}',
        '"',
        ':',
        'base: static',
        '0755',
        '!!binary ',
        '? ',
      ),
    });
    fc.assert(
      fc.property(fc.oneof(fc.string(), yamlish), (text) => onlyMinnowErrors(() => parseConfig(text))),
      params,
    );
  });

  it('Go build info and ELF headers', async () => {
    fc.assert(
      fc.property(fc.string(), (text) => onlyMinnowErrors(() => parseModinfo('go1.22', text))),
      params,
    );
    const magic = Buffer.from('\xff Go buildinf:', 'latin1');
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 2048 }), fc.boolean(), async (bytes, withMagic) => {
        const data = withMagic ? Buffer.concat([magic, Buffer.from(bytes)]) : Buffer.from(bytes);
        await onlyMinnowErrorsAsync(() => decodeBuildInfo(data));
        const elf = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46]), Buffer.from(bytes)]);
        onlyMinnowErrors(() => parseElfHeader(elf));
      }),
      params,
    );
  });

  it('tar headers', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 512, maxLength: 512 }), (bytes) => {
        expect(typeof isTarHeader(Buffer.from(bytes))).toBe('boolean');
      }),
      params,
    );
  });

  it('tar streams (every header walked) and PAX records', async () => {
    const seed = await tarOf([
      { header: { name: 'a', pax: { path: 'a', comment: 'x' } }, data: 'abc' },
      { header: { name: 'b'.repeat(120) }, data: '' },
    ]);
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat({ max: seed.length - 1 }), fc.integer({ min: 0, max: 255 })), {
          maxLength: 8,
        }),
        fc.integer({ min: 1, max: 700 }),
        async (edits, chunk) => {
          const t = Buffer.from(seed);
          for (const [at, byte] of edits) t[at] = byte;
          await onlyMinnowErrorsAsync(() => checkTar(t, chunk));
          await onlyMinnowErrorsAsync(() => walkTar(t, chunk));
          onlyMinnowErrors(() => parsePaxRecords(t.subarray(512, 1024), 'pax'));
        },
      ),
      params,
    );
  });

  it('docker save archives (the outer tar index)', async () => {
    const dir = await tempDir();
    const seed = await tarOf([
      { header: { name: 'manifest.json' }, data: '[]' },
      { header: { name: 'blobs/sha256/' + 'a'.repeat(64) }, data: 'x'.repeat(600) },
      { header: { name: 'l', type: 'symlink', linkname: 'manifest.json' } },
    ]);
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat({ max: seed.length - 1 }), fc.integer({ min: 0, max: 255 })), {
          maxLength: 8,
        }),
        async (edits) => {
          const t = Buffer.from(seed);
          for (const [at, byte] of edits) t[at] = byte;
          const path = join(dir, `archive-${n++}.tar`);
          await writeFile(path, t);
          await onlyMinnowErrorsAsync(() => indexTar(path));
        },
      ),
      { ...params, numRuns: Math.min(RUNS, 200) },
    );
  });

  it('Dockerfiles (lint)', async () => {
    const dockerish = fc.string({
      unit: fc.constantFrom(
        'FROM ',
        'golang:1.22',
        ' AS b',
        '\n',
        'RUN ',
        'go build ./...',
        '\\\n',
        'COPY ',
        '--from=b ',
        '$',
        '{',
        '}',
        'ARG X',
        '# syntax=',
        'USER 0',
        '<<EOF',
        'EOF',
        ' ',
      ),
    });
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string(), dockerish), async (text) =>
        onlyMinnowErrorsAsync(() => lintText(text)),
      ),
      { ...params, numRuns: Math.min(RUNS, 200) },
    );
  });

  it('terminal escaping leaves no control character and no line break', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        // eslint-disable-next-line no-control-regex
        expect(escapeTerminal(text)).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e]/u);
      }),
      params,
    );
  });
});

describe('fuzz: layers (tar entries, mutated bytes) through analyze', () => {
  let dir: string;
  let seed: Buffer;
  beforeAll(async () => {
    dir = await tempDir();
    seed = await tarOf([
      { header: { name: 'etc/passwd' }, data: 'root:x:0:0::/root:/bin/sh\n' },
      { header: { name: 'app', mode: 0o755 }, data: randomBytes(600) },
      { header: { name: 'link', type: 'symlink', linkname: 'app' } },
      { header: { name: 'hard', type: 'link', linkname: 'app' } },
      { header: { name: 'dir/', type: 'directory' } },
      { header: { name: 'dir/.wh.x' } },
    ]);
  });

  it('a tar with random bytes changed is analyzed or refused with a MinnowError', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat({ max: 4095 }), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 12,
        }),
        async (edits) => {
          const t = Buffer.from(seed);
          for (const [at, byte] of edits) t[at % t.length] = byte;
          const layer = await gzipLayerFile(dir, t);
          const image = await mutate(emptyImage({ os: 'linux', architecture: 'amd64' }), {
            layers: [{ layer }],
          });
          await onlyMinnowErrorsAsync(() => analyzeImage(image));
        },
      ),
      { ...params, numRuns: Math.min(RUNS, 150) },
    );
  });
});
