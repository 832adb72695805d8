import { open } from 'node:fs/promises';
import { isElf } from './elf.js';

/** Go's linker puts its build ID note in the first page of every ELF binary it writes. */
const NOTE_WINDOW = 16 * 1024;
/** The note's type (cmd/internal/buildid: ELF_NOTE_GOBUILDID_TAG) and owner name. */
const GO_BUILDID_TAG = 4;
const GO_NOTE_NAME = Buffer.from('Go\0\0');

/**
 * The Go build ID of an ELF binary (`go tool buildid FILE`), read from its `Go` note without reading the rest
 * of the file; undefined when it has none (`-ldflags=-buildid=`, not ELF, not Go). Its last part is Go's hash
 * of the binary's content, so two binaries with the same ID have the same bytes.
 */
export async function readGoBuildId(path: string): Promise<string | undefined> {
  const file = await open(path, 'r');
  let head: Buffer;
  try {
    const buf = Buffer.alloc(NOTE_WINDOW);
    const { bytesRead } = await file.read(buf, 0, NOTE_WINDOW, 0);
    head = buf.subarray(0, bytesRead);
  } finally {
    await file.close();
  }
  if (!isElf(head) || head.length < 6) return undefined;
  const le = head[5] === 1;
  const u32 = (o: number): number => (le ? head.readUInt32LE(o) : head.readUInt32BE(o));
  // A note is namesz, descsz, type, then the name padded to 4 bytes and the description.
  for (let i = head.indexOf(GO_NOTE_NAME, 12); i >= 12; i = head.indexOf(GO_NOTE_NAME, i + 1)) {
    const descsz = u32(i - 8);
    if (u32(i - 12) !== 4 || u32(i - 4) !== GO_BUILDID_TAG || descsz === 0 || i + 4 + descsz > head.length)
      continue;
    const id = head.subarray(i + 4, i + 4 + descsz).toString('latin1');
    if (/^[\w/+=-]+$/.test(id)) return id;
  }
  return undefined;
}
