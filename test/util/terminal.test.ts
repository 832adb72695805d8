import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatError } from '../../src/cli/exit.js';
import { MinnowError } from '../../src/errors.js';
import { table } from '../../src/report/analysis-text.js';
import { escapeTerminal } from '../../src/util/terminal.js';
import { plain } from '../cli/build-helpers.js';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'minnow.cjs');

describe('escapeTerminal', () => {
  it('escapes ESC sequences, newlines, C1 controls and bidi overrides; leaves other text alone', () => {
    expect(escapeTerminal('/etc/\u001b[2Jclear')).toBe('/etc/\\x1b[2Jclear');
    expect(escapeTerminal('a\nFindings: 0 critical')).toBe('a\\nFindings: 0 critical');
    expect(escapeTerminal('x\r\t\u0000\u007f\u009b')).toBe('x\\r\\t\\x00\\x7f\\x9b');
    expect(escapeTerminal('evil\u202etxt.exe')).toBe('evil\\u{202e}txt.exe');
    expect(escapeTerminal('/usr/lib/ünïcødé — 日本語 ✓')).toBe('/usr/lib/ünïcødé — 日本語 ✓');
  });

  it('keeps a report table to one line per row whatever the file names hold', () => {
    const out = table([
      ['1 kB', '/bad\nFindings: 0 critical, 0 high'],
      ['2 kB', '/\u001b[2J'],
    ]);
    expect(out.split('\n')).toHaveLength(2);
    expect(out).not.toContain('\u001b');
  });

  it('error lines from a registry or an image cannot forge a second line or move the cursor', () => {
    const line = plain(
      formatError(
        new MinnowError('REGISTRY_ERROR', 'registry says: \u001b[1A\u001b[2Kok\nall good', { hint: 'x\ny' }),
      ),
    );
    expect(line).toBe('error: registry says: \\x1b[1A\\x1b[2Kok\\nall good\nhint: x\\ny');
  });
});

describe('a closed pipe', () => {
  it('`minnow lint --list-rules | head -1`: a reader that is gone ends the run quietly', async () => {
    const child = spawn(process.execPath, [BIN, 'lint', '--list-rules'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // The reader leaves before minnow writes a byte: every write meets EPIPE.
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });
});
