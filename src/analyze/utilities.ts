import { posix } from 'node:path';
import type { FileInfo, ImageAnalysis } from './types.js';

export const SHELLS = new Set([
  'sh',
  'bash',
  'ash',
  'dash',
  'zsh',
  'ksh',
  'mksh',
  'csh',
  'tcsh',
  'fish',
  'busybox-sh',
]);
const PACKAGE_MANAGERS = new Set([
  'apk',
  'apt',
  'apt-get',
  'dpkg',
  'rpm',
  'yum',
  'dnf',
  'microdnf',
  'zypper',
  'pacman',
  'pip',
  'pip3',
  'npm',
  'gem',
]);
const DEBUGGERS = new Set(['gdb', 'gdbserver', 'strace', 'ltrace', 'dlv', 'perf', 'valgrind', 'lldb']);
const NETWORK_TOOLS = new Set([
  'curl',
  'wget',
  'nc',
  'ncat',
  'netcat',
  'socat',
  'telnet',
  'ssh',
  'scp',
  'sftp',
  'ftp',
  'tftp',
  'rsync',
]);
const COMPILERS = new Set([
  'gcc',
  'g++',
  'cc',
  'c++',
  'clang',
  'clang++',
  'tcc',
  'go',
  'rustc',
  'cargo',
  'javac',
  'as',
  'ld',
  'make',
]);

/** apt's transport helpers (`ftp`, `ssh`, `http` under /usr/lib/apt/methods) are not tools a user can run. */
const HELPER_DIRS = /^\/usr\/lib\/apt\/methods\//;

const isProgram = (e: FileInfo): boolean =>
  e.type === 'symlink' || ((e.type === 'file' || e.type === 'hardlink') && (e.mode & 0o111) !== 0);

/** Shells, package managers, busybox with its applets, debuggers, network tools and compilers in the image. */
/** The last part of an entry path (entryPath's: absolute, no trailing `/`), without posix.basename's checks. */
export function fileName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

export function findUtilities(entries: FileInfo[]): ImageAnalysis['utilities'] {
  const out: ImageAnalysis['utilities'] = {
    shells: [],
    packageManagers: [],
    debuggers: [],
    networkTools: [],
    compilers: [],
  };
  const busyboxes = entries.filter(
    (e) => e.type === 'file' && fileName(e.path) === 'busybox' && (e.mode & 0o111) !== 0,
  );
  const busyboxPaths = new Set(busyboxes.map((b) => b.path));
  const applets: string[] = [];
  for (const e of entries) {
    if (!isProgram(e)) continue;
    const name = fileName(e.path);
    if (e.linkname && busyboxPaths.size > 0) {
      const target = e.type === 'symlink' ? posix.resolve(posix.dirname(e.path), e.linkname) : e.linkname;
      if (busyboxPaths.has(target)) applets.push(e.path);
    }
    if (SHELLS.has(name)) out.shells.push(e.path);
    if (PACKAGE_MANAGERS.has(name)) out.packageManagers.push(e.path);
    if (DEBUGGERS.has(name)) out.debuggers.push(e.path);
    if (NETWORK_TOOLS.has(name) && !HELPER_DIRS.test(e.path)) out.networkTools.push(e.path);
    if (COMPILERS.has(name)) out.compilers.push(e.path);
  }
  if (busyboxes[0]) out.busybox = { path: busyboxes[0].path, applets };
  return out;
}
