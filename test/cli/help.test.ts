import { describe, expect, it } from 'vitest';
import { createProgram } from '../../src/cli/main.js';
import { COMMAND_HELP, ENVIRONMENT } from '../../src/cli/help.js';
import { cli } from '../helpers/cli.js';

describe('--help', () => {
  it('every command has examples, exit statuses and a docs pointer', async () => {
    const program = await createProgram();
    const names = program.commands.map((c) => c.name());
    expect(names.filter((n) => !COMMAND_HELP[n])).toEqual([]);
    for (const name of names) {
      const r = await cli([name, '--help']);
      expect(r.status, name).toBe(0);
      expect(r.out, name).toMatch(/^Examples:\n {2}\$ .*\bminnow /m);
      expect(r.out, name).toMatch(/^Exit status: 0 success, 1 failure, 2 invalid .*, 3 a check failed/m);
      expect(r.out, name).toMatch(/^Docs: \S+/m);
    }
  });

  it('build --help says where per-package defaults come from', async () => {
    const r = await cli(['build', '--help']);
    expect(r.out).toContain('minnow.yaml');
  });

  it('the top level lists the environment variables and exit statuses', async () => {
    const r = await cli(['--help']);
    expect(r.status).toBe(0);
    expect(r.out).toContain('Environment:');
    for (const [name] of ENVIRONMENT) expect(r.out).toContain(name);
    expect(r.out).toMatch(/Exit status:\n {2}0 +success\n {2}1 +a failure/);
  });

  it('a mistyped command prints the suggestion first, in a few lines, exit 2', async () => {
    const r = await cli(['biuld']);
    expect(r.status).toBe(2);
    const lines = r.err.trimEnd().split('\n');
    expect(lines[0]).toBe("error: unknown command 'biuld'");
    expect(lines[1]).toBe('(Did you mean build?)');
    expect(lines.length).toBeLessThanOrEqual(3);
    expect(r.out).toBe('');
  });

  it('a mistyped option is short too', async () => {
    const r = await cli(['build', '--plaform', 'linux/amd64']);
    expect(r.status).toBe(2);
    const lines = r.err.trimEnd().split('\n');
    expect(lines[0]).toBe("error: unknown option '--plaform'");
    expect(lines[1]).toBe('(Did you mean --platform?)');
    expect(lines.length).toBeLessThanOrEqual(3);
  });
});
