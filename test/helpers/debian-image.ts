import { execFile } from 'node:child_process';
import { lstat, readFile, readlink, realpath } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { emptyImage, mutate, writeLayer, type Image, type LayerEntry } from '../../src/oci/index.js';

/**
 * A Debian 12 image made of this machine's own installed Debian packages (the test machines run Debian 12, and
 * no registry or mirror image can be pulled): the dpkg status paragraphs of the packages a minimal Debian
 * (debootstrap's required and important set, with everything they depend on) is made of, each package's
 * /usr/share/doc/<pkg>/copyright (or its doc-dir symlink), os-release, and every file of the `apt` package
 * (its transport helpers under /usr/lib/apt/methods included). Real Debian content, a few MB.
 */

const run = promisify(execFile);

/** deb822 paragraphs of the status file, by package name, installed ones only. */
function installed(status: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const para of status.split(/\n\s*\n/)) {
    const name = /^Package: (\S+)$/m.exec(para)?.[1];
    if (name && /^Status: .* installed$/m.test(para)) out.set(name, para.trim());
  }
  return out;
}

function field(para: string, name: string): string {
  const m = new RegExp(`^${name}: ([^\\n]*(?:\\n[ \\t][^\\n]*)*)`, 'm').exec(para);
  return m?.[1] ?? '';
}

/** The packages of a minimal Debian: priority required/important and their Depends/Pre-Depends closure. */
function minimalSet(pkgs: Map<string, string>): string[] {
  const provided = new Map<string, string>();
  for (const [name, para] of pkgs) {
    for (const p of field(para, 'Provides').split(',')) {
      const n = p.trim().split(/[\s(]/)[0];
      if (n) provided.set(n, name);
    }
  }
  const todo = [...pkgs].filter(([, p]) => /^Priority: (required|important)$/m.test(p)).map(([n]) => n);
  const seen = new Set<string>();
  while (todo.length > 0) {
    const name = todo.pop()!;
    if (seen.has(name)) continue;
    seen.add(name);
    const para = pkgs.get(name)!;
    for (const dep of `${field(para, 'Pre-Depends')},${field(para, 'Depends')}`.split(',')) {
      // The first alternative that is installed, as apt would have chosen.
      for (const alt of dep.split('|')) {
        const n = alt.trim().split(/[\s(:]/)[0] ?? '';
        const real = pkgs.has(n) ? n : provided.get(n);
        if (real) {
          todo.push(real);
          break;
        }
      }
    }
  }
  return [...seen].sort();
}

async function hostEntry(path: string): Promise<LayerEntry | undefined> {
  const st = await lstat(path).catch(() => undefined);
  if (!st) return undefined;
  if (st.isSymbolicLink()) return { type: 'symlink', path, target: await readlink(path) };
  if (st.isDirectory()) return { type: 'directory', path, mode: st.mode & 0o7777 };
  if (st.isFile()) return { type: 'file', path, source: path, mode: st.mode & 0o7777 };
  return undefined;
}

export interface DebianImage {
  image: Image;
  /** The packages in its status file. */
  packages: string[];
  /** Every path it holds. */
  paths: string[];
}

let made: Promise<DebianImage> | undefined;

/** The image (made once per test file, into `dir`'s blob store). */
export function debianHostImage(dir: string): Promise<DebianImage> {
  made ??= (async () => {
    const pkgs = installed(await readFile('/var/lib/dpkg/status', 'utf8'));
    if (!pkgs.has('apt')) throw new Error('debianHostImage needs a Debian host with apt installed');
    const names = minimalSet(pkgs);
    const paths = new Set<string>(['/etc/os-release']);
    for (const n of names) {
      const doc = `/usr/share/doc/${n}`;
      paths.add(doc);
      // A doc dir may be a symlink to another package's: ship the link and the copyright it leads to.
      const link = await readlink(doc).catch(() => undefined);
      paths.add(`${link ? join('/usr/share/doc', link) : doc}/copyright`);
    }
    const { stdout } = await run('dpkg', ['-L', 'apt'], { maxBuffer: 16 << 20 });
    for (const p of stdout.split('\n')) {
      if (!p.startsWith('/') || p === '/.') continue;
      // Merged /usr: dpkg lists /lib/systemd/…, whose /lib is a symlink; ship each file where it really is.
      const dir = await realpath(dirname(p)).catch(() => undefined);
      if (dir) paths.add(join(dir, basename(p)));
    }
    const entries: LayerEntry[] = [];
    for (const p of [...paths].sort()) {
      const e = await hostEntry(p);
      // os-release is a symlink into /usr/lib on Debian: ship its content at the well-known path.
      if (e && p === '/etc/os-release') entries.push({ type: 'file', path: p, source: p, mode: 0o644 });
      else if (e) entries.push(e);
    }
    const status = `${names.map((n) => pkgs.get(n)).join('\n\n')}\n`;
    entries.push({ type: 'file', path: '/var/lib/dpkg/status', source: Buffer.from(status), mode: 0o644 });
    const w = await writeLayer(entries, { blobDir: join(dir, 'debian-blobs'), mtime: 0 });
    const image = await mutate(emptyImage({ os: 'linux', architecture: 'amd64' }), {
      layers: [{ layer: w.layer, history: { created_by: 'debian packages of the test host' } }],
    });
    return { image, packages: names, paths: entries.map((e) => e.path) };
  })();
  return made;
}
