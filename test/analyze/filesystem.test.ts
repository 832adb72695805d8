import { describe, expect, it } from 'vitest';
import { analyzeImage } from '../../src/analyze/analyze.js';
import { entryPath, symlinkEscapes } from '../../src/analyze/filesystem.js';
import { emptyImage } from '../../src/oci/index.js';
import { imageOfLayers } from '../helpers/tar-layers.js';
import { tempDir } from '../helpers/tmp.js';

describe('merged filesystem', () => {
  it('normalizes names and refuses escapes', () => {
    expect(entryPath('./etc/')).toBe('/etc');
    expect(entryPath('/usr//bin/./x')).toBe('/usr/bin/x');
    expect(entryPath('./')).toBe('/');
    expect(() => entryPath('a/../../b')).toThrow(/climbs out/);
    // Plain names take a fast path; every odd one must still come out as the part-by-part rules say.
    const cases: [string, string][] = [
      ['usr/bin/x', '/usr/bin/x'],
      ['./usr/bin/x', '/usr/bin/x'],
      ['usr/share/', '/usr/share'],
      ['.', '/'],
      ['', '/'],
      ['/', '/'],
      ['a//b', '/a/b'],
      ['a/./b', '/a/b'],
      ['a/.', '/a'],
      ['...', '/...'],
      ['a/.../b..c/', '/a/.../b..c'],
      ['.a/.b/', '/.a/.b'],
      ['..a', '/..a'],
      ['.//a', '/a'],
      ['//a', '/a'],
      ['x/.wh..wh..opq', '/x/.wh..wh..opq'],
    ];
    for (const [name, path] of cases) expect(entryPath(name), JSON.stringify(name)).toBe(path);
    for (const name of ['a/../b', '../x', 'a/..', '..', './..', 'a/../']) {
      expect(() => entryPath(name), name).toThrow(/climbs out/);
    }
    expect(() => entryPath('a\0b')).toThrow(/NUL/);
    expect(symlinkEscapes('/a/b', '../c')).toBe(false);
    expect(symlinkEscapes('/a/b', '../../c')).toBe(true);
    expect(symlinkEscapes('/a/b', '/etc/passwd')).toBe(false);
  });

  it('applies whiteouts and opaque directories across layers, and counts the waste', async () => {
    const dir = await tempDir();
    const image = await imageOfLayers(dir, [
      [
        { header: { name: 'app/', type: 'directory' } },
        { header: { name: 'app/big.bin', mode: 0o644 }, data: 'x'.repeat(1000) },
        { header: { name: 'app/keep.txt', mode: 0o644 }, data: 'keep' },
        { header: { name: 'cache/', type: 'directory' } },
        { header: { name: 'cache/a', mode: 0o644 }, data: 'a'.repeat(300) },
        { header: { name: 'cache/sub/b', mode: 0o644 }, data: 'b'.repeat(200) },
      ],
      [
        // deletes big.bin, replaces keep.txt, and makes /cache opaque while adding a new file in the same layer
        { header: { name: 'app/.wh.big.bin' } },
        { header: { name: 'app/keep.txt', mode: 0o644 }, data: 'kept!' },
        { header: { name: 'cache/new', mode: 0o644 }, data: 'n' },
        { header: { name: 'cache/.wh..wh..opq' } },
      ],
    ]);
    const a = await analyzeImage(image);
    const paths = a.files.largest.map((f) => f.path).sort();
    expect(paths).toEqual(['/app/keep.txt', '/cache/new']);
    expect(a.layers[1]?.whiteouts).toBe(2);
    // shipped: 1000 + 4 + 300 + 200 + 5 + 1 = 1510; kept: 5 + 1
    expect(a.efficiency.wastedBytes).toBe(1000 + 4 + 300 + 200);
    expect(a.efficiency.score).toBeCloseTo(6 / 1510, 6);
    expect(a.efficiency.wasted[0]).toEqual({ path: '/app/big.bin', count: 1, wastedBytes: 1000 });
    expect(a.size.content).toBe(1510);
    expect(a.size.filesystem).toBe(6);
  });

  it('counts a hard-linked file once, and deleting one of its names wastes nothing', async () => {
    const dir = await tempDir();
    const image = await imageOfLayers(dir, [
      [
        { header: { name: 'bin/', type: 'directory' } },
        { header: { name: 'bin/tool', mode: 0o755 }, data: 't'.repeat(4000) },
        { header: { name: 'bin/alias', type: 'link', linkname: 'bin/tool' } },
        { header: { name: 'bin/other', type: 'link', linkname: 'bin/tool' } },
        { header: { name: 'data', mode: 0o644 }, data: 'd'.repeat(500) },
        { header: { name: 'data-link', type: 'link', linkname: 'data' } },
      ],
      [
        // One name of the tool goes; the content lives on under the others. Both names of data go: waste.
        { header: { name: 'bin/.wh.tool' } },
        { header: { name: '.wh.data' } },
        { header: { name: '.wh.data-link' } },
      ],
    ]);
    const a = await analyzeImage(image);
    expect(a.efficiency.wastedBytes).toBe(500);
    expect(a.efficiency.wasted).toEqual([{ path: '/data', count: 1, wastedBytes: 500 }]);
    expect(a.size.filesystem).toBe(4000);
    expect(a.files.count).toBe(2);
    expect(a.size.content).toBe(4500);
  });

  it('hides lower content under subdirectories an opaque layer re-declares, and counts each byte once', async () => {
    const dir = await tempDir();
    const image = await imageOfLayers(dir, [
      [
        { header: { name: 'd/', type: 'directory' } },
        { header: { name: 'd/-early/', type: 'directory' } },
        { header: { name: 'd/-early/old', mode: 0o644 }, data: 'o'.repeat(700) },
        { header: { name: 'd/a', mode: 0o644 }, data: 'a'.repeat(100) },
      ],
      [
        // `-early/` sorts before the marker, as a tar writer puts it; its lower file must still vanish.
        { header: { name: 'd/', type: 'directory' } },
        { header: { name: 'd/-early/', type: 'directory' } },
        { header: { name: 'd/-early/new', mode: 0o644 }, data: 'n'.repeat(10) },
        { header: { name: 'd/.wh..wh..opq' } },
        { header: { name: 'd/a', mode: 0o644 }, data: 'A'.repeat(100) },
      ],
    ]);
    const a = await analyzeImage(image);
    const files = a.files.largest.map((f) => f.path).sort();
    expect(files).toEqual(['/d/-early/new', '/d/a']);
    expect(a.efficiency.wastedBytes).toBe(800);
    expect(a.efficiency.wasted).toEqual([
      { path: '/d/-early/old', count: 1, wastedBytes: 700 },
      { path: '/d/a', count: 2, wastedBytes: 100 },
    ]);
    expect(a.size.filesystem).toBe(110);
  });

  it('sizes layers as the Engine does: symlinks count the length of their target', async () => {
    const dir = await tempDir();
    const image = await imageOfLayers(dir, [
      [
        { header: { name: 'lib/', type: 'directory' } },
        { header: { name: 'lib/libx.so.1.2', mode: 0o644 }, data: 'x'.repeat(64) },
        { header: { name: 'lib/libx.so.1', type: 'symlink', linkname: 'libx.so.1.2' } },
        { header: { name: 'lib/libx.so', type: 'symlink', linkname: '/lib/libx.so.1' } },
      ],
    ]);
    const a = await analyzeImage(image);
    expect(a.layers[0]?.contentSize).toBe(64 + 'libx.so.1.2'.length + '/lib/libx.so.1'.length);
  });

  it('scores an empty image and a single-layer image 1, never NaN', async () => {
    const empty = await analyzeImage(emptyImage({ os: 'linux', architecture: 'amd64' }));
    expect(empty.efficiency).toEqual({ score: 1, wastedBytes: 0, wasted: [] });
    expect(empty.files.count).toBe(0);
    const dir = await tempDir();
    const one = await analyzeImage(await imageOfLayers(dir, [[{ header: { name: 'only' }, data: 'x' }]]));
    expect(one.efficiency.score).toBe(1);
  });
});
