import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, expectTypeOf, it } from 'vitest';
import * as api from '../src/index.js';

describe('the public API', () => {
  it('is importable by package name through package.json exports (the built dist/)', async () => {
    const pkg = (await import('minnow')) as Record<string, unknown>;
    for (const name of [
      'build',
      'writeLayout',
      'writeTarball',
      'pushImage',
      'analyzeImage',
      'lintText',
      'resolveManifests',
      'validateImage',
    ]) {
      expect(typeof pkg[name], name).toBe('function');
    }
    expect(pkg.MinnowError).toBeDefined();
  });

  it('keeps the shapes library users build on', () => {
    expectTypeOf(api.build).parameter(0).toEqualTypeOf<api.BuildOptions | undefined>();
    expectTypeOf(api.build).returns.resolves.toHaveProperty('digest');
    expectTypeOf<api.Image['digest']>().returns.resolves.toEqualTypeOf<api.Digest>();
    expectTypeOf<api.MinnowError['code']>().toEqualTypeOf<api.ErrorCode>();
    expect(new api.MinnowError('INVALID_ARGUMENT', 'x')).toBeInstanceOf(Error);
  });

  it('exports exactly the runtime names listed in the snapshot (internals stay out)', async () => {
    const names = Object.keys(api).sort();
    await expect(`${names.join('\n')}\n`).toMatchFileSnapshot('./__snapshots__/public-api-values.txt');
  });

  it('exports exactly the type names listed in the snapshot, one name per idea', async () => {
    const entry = fileURLToPath(new URL('../src/index.ts', import.meta.url));
    const program = ts.createProgram([entry], {
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2022,
      strict: true,
      skipLibCheck: true,
      noEmit: true,
      types: ['node'],
    });
    const checker = program.getTypeChecker();
    const moduleSymbol = checker.getSymbolAtLocation(program.getSourceFile(entry)!)!;
    const types = checker
      .getExportsOfModule(moduleSymbol)
      .filter((s) => !(checker.getAliasedSymbol(s).flags & ts.SymbolFlags.Value))
      .map((s) => s.name)
      .sort();
    expect(types).toContain('ImageFinding');
    expect(types).toContain('LintFinding');
    expect(types).not.toContain('Finding');
    await expect(`${types.join('\n')}\n`).toMatchFileSnapshot('./__snapshots__/public-api-types.txt');
  });
});
