import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { COMMAND_FORMATS } from '../../src/cli/common-options.js';
import { createProgram } from '../../src/cli/main.js';
import { writeLayout } from '../../src/publish/layout.js';
import { cli } from '../helpers/cli.js';
import { alpineBase } from '../helpers/fixture-images.js';
import { tempDir } from '../helpers/tmp.js';

describe('the options every command shares', () => {
  it('every command takes -q/--quiet and --verbose; those that print reports take --format and --json', async () => {
    const program = await createProgram();
    const leaves = program.commands.flatMap((c) => (c.commands.length ? c.commands : [c]));
    for (const command of leaves) {
      const longs = command.options.map((o) => o.long);
      const name = command.parent?.parent ? `${command.parent.name()} ${command.name()}` : command.name();
      expect(longs, name).toContain('--quiet');
      expect(longs, name).toContain('--verbose');
      if (COMMAND_FORMATS[name]) {
        expect(longs, name).toContain('--format');
        expect(longs, name).toContain('--json');
      }
    }
  });

  describe('on a real image', () => {
    let layout: string;
    beforeAll(async () => {
      layout = join(await tempDir(), 'alpine');
      await writeLayout(layout, { kind: 'image', image: await alpineBase() }, { tag: '3.19' });
    });

    it('--format json and --json print the same document; --format markdown and html too', async () => {
      const a = await cli(['analyze', `oci:${layout}:3.19`, '--format', 'json']);
      const b = await cli(['analyze', `oci:${layout}:3.19`, '--json']);
      expect(a.status).toBe(0);
      expect(JSON.parse(a.out)).toEqual(JSON.parse(b.out));
      const md = await cli(['analyze', `oci:${layout}:3.19`, '--format', 'markdown']);
      expect(md.out).toMatch(/^\| /m);
      const html = await cli(['analyze', `oci:${layout}:3.19`, '--format', 'html']);
      expect(html.out).toMatch(/^<!doctype html>/i);
    });

    it('--json with another --format is a usage error; an unknown format names the choices', async () => {
      const both = await cli(['analyze', `oci:${layout}:3.19`, '--json', '--format', 'markdown']);
      expect(both.status).toBe(2);
      expect(both.err).toContain('--json and --format markdown ask for two formats');
      const bad = await cli(['analyze', `oci:${layout}:3.19`, '--format', 'yaml']);
      expect(bad.status).toBe(2);
      expect(bad.err).toMatch(/Allowed choices are text, json, markdown, html/);
    });

    it('--verbose prints a timed line per step; -q prints no progress', async () => {
      const verbose = await cli(['analyze', `oci:${layout}:3.19`, '--verbose']);
      expect(verbose.err).toMatch(/^\[ *\d+ ms\] reading oci:/m);
      const quiet = await cli(['analyze', `oci:${layout}:3.19`, '-q', '--verbose']);
      expect(quiet.err).toMatch(/\] reading/);
      const q = await cli(['analyze', `oci:${layout}:3.19`, '-q']);
      expect(q.err).toBe('');
    });

    it('lint takes --json as the shorthand of its --format', async () => {
      const dir = await tempDir();
      const file = join(dir, 'Dockerfile');
      await writeFile(file, 'FROM scratch\nCOPY app /app\n');
      const r = await cli(['lint', file, '--json', '--fail-on', 'none']);
      expect(r.status).toBe(0);
      expect(() => JSON.parse(r.out) as unknown).not.toThrow();
      const same = await cli(['lint', file, '--format', 'json', '--fail-on', 'none']);
      expect(same.out).toBe(r.out);
    });
  });
});
