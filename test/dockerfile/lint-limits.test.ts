import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  lintFile,
  lintText,
  MAX_DOCKERFILE_BYTES,
  MAX_DOCKERFILE_LINE,
} from '../../src/dockerfile/lint/lint.js';
import { cli } from '../helpers/cli.js';
import { failure } from '../helpers/failure.js';
import { tempDir } from '../helpers/tmp.js';
import { plain } from '../cli/build-helpers.js';

/** A Dockerfile of about `bytes` bytes: a build stage of many go build RUNs and COPYs, then a scratch stage. */
function manyRuns(bytes: number): { text: string; runs: number } {
  const lines = ['FROM golang:1.22 AS build', 'ENV CGO_ENABLED=0'];
  let size = 0;
  let runs = 0;
  for (let i = 0; size < bytes; i++) {
    const l = i % 2 ? `RUN go build -o /out/app${i} ./cmd/app${i}` : `COPY dir${i}/ /src/dir${i}/`;
    if (i % 2) runs++;
    lines.push(l);
    size += l.length + 1;
  }
  lines.push('FROM scratch', 'COPY --from=build /out/app1 /app', 'USER 65532:65532', 'ENTRYPOINT ["/app"]');
  return { text: lines.join('\n') + '\n', runs };
}

describe('lint limits', () => {
  it('lints a Dockerfile just under the size limit, every RUN judged against the ENV before it', async () => {
    const { text, runs } = manyRuns(MAX_DOCKERFILE_BYTES - 4096);
    const result = await lintText(text);
    const byRule = (id: string): number => result.findings.filter((f) => f.ruleId === id).length;
    // CGO_ENABLED=0 comes before every RUN (no MN-DF-002); none strips or trims (one MN-DF-016 and MN-DF-017 each).
    expect(byRule('MN-DF-002')).toBe(0);
    expect(byRule('MN-DF-016')).toBe(runs);
    expect(byRule('MN-DF-017')).toBe(runs);
  });

  it('refuses a larger file before reading it, and a huge line, with one line naming the file (and line)', async () => {
    const dir = await tempDir();
    const big = join(dir, 'Dockerfile');
    await writeFile(big, manyRuns(MAX_DOCKERFILE_BYTES + 1).text);
    const err = await failure(lintFile(big));
    expect(err.code).toBe('LIMIT_EXCEEDED');
    expect(err.message).toMatch(
      new RegExp(`^${big} is \\d+ bytes, more than the ${MAX_DOCKERFILE_BYTES} a Dockerfile may be$`),
    );
    const long = `FROM scratch\nLABEL x="${'a'.repeat(MAX_DOCKERFILE_LINE)}"\n`;
    const lineErr = await failure(lintText(long, { file: 'Dockerfile.long' }));
    expect(lineErr.message).toBe(
      `Dockerfile.long:2 is ${MAX_DOCKERFILE_LINE + 10} characters long, more than the ${MAX_DOCKERFILE_LINE} a Dockerfile line may be`,
    );
    const run = await cli(['lint', big]);
    expect(run.status).toBe(1);
    expect(plain(run.err).split('\n')[0]).toMatch(
      /^error: .* is \d+ bytes, more than the 1048576 a Dockerfile may be$/,
    );
  });
});
