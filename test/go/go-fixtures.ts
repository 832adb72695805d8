import { cp, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's examples/hello. */
export const HELLO_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'examples', 'hello');

/** Writes a small Go module (files relative to `dir`) and returns `dir`. */
export async function writeModule(
  dir: string,
  files: Record<string, string>,
  module = 'example.com/app',
): Promise<string> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'go.mod'), `module ${module}\n\ngo 1.21\n`);
  for (const [name, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, name)), { recursive: true });
    await writeFile(join(dir, name), content);
  }
  return dir;
}

/** A copy of examples/hello in `dir`. */
export async function copyHello(dir: string): Promise<string> {
  await cp(HELLO_DIR, dir, { recursive: true });
  return dir;
}

/** A module whose main package imports a package that only builds with cgo. */
export const CGO_MODULE = {
  'main.go': 'package main\n\nimport "example.com/app/cgodep"\n\nfunc main() { println(cgodep.Two()) }\n',
  'cgodep/c.go':
    'package cgodep\n\n// int two() { return 2; }\nimport "C"\n\nfunc Two() int { return int(C.two()) }\n',
};

/** A module whose main package does not compile. */
export const BROKEN_MODULE = {
  'main.go': 'package main\n\nfunc main() {\n\tundefinedThing()\n}\n',
};

/** A module with only a library package. */
export const LIBRARY_MODULE = {
  'lib.go': 'package lib\n\nfunc Answer() int { return 42 }\n',
};
