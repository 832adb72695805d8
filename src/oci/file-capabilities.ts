import { MinnowError } from '../errors.js';

/** The tar PAX record that carries a file's capabilities (as GNU tar, Go's archive/tar and ko write it). */
export const CAPABILITY_PAX_KEY = 'SCHILY.xattr.security.capability';

/** Linux capabilities by number (include/uapi/linux/capability.h), lowercase without `cap_`. */
export const CAPABILITY_NAMES = [
  'chown',
  'dac_override',
  'dac_read_search',
  'fowner',
  'fsetid',
  'kill',
  'setgid',
  'setuid',
  'setpcap',
  'linux_immutable',
  'net_bind_service',
  'net_broadcast',
  'net_admin',
  'net_raw',
  'ipc_lock',
  'ipc_owner',
  'sys_module',
  'sys_rawio',
  'sys_chroot',
  'sys_ptrace',
  'sys_pacct',
  'sys_admin',
  'sys_boot',
  'sys_nice',
  'sys_resource',
  'sys_time',
  'sys_tty_config',
  'mknod',
  'lease',
  'audit_write',
  'audit_control',
  'setfcap',
  'mac_override',
  'mac_admin',
  'syslog',
  'wake_alarm',
  'block_suspend',
  'audit_read',
  'perfmon',
  'bpf',
  'checkpoint_restore',
] as const;

export type CapabilityName = (typeof CAPABILITY_NAMES)[number];

const VFS_CAP_REVISION_2 = 0x02000000;
const VFS_CAP_REVISION_3 = 0x03000000;
const VFS_CAP_REVISION_MASK = 0xff000000;
const VFS_CAP_FLAGS_EFFECTIVE = 0x000001;

/** `net_bind_service`, `NET_BIND_SERVICE` or `cap_net_bind_service` → `net_bind_service`; unknown is INVALID_ARGUMENT. */
export function parseCapability(name: string): CapabilityName {
  const n = name.trim().toLowerCase().replace(/^cap_/, '');
  if ((CAPABILITY_NAMES as readonly string[]).includes(n)) return n as CapabilityName;
  throw new MinnowError('INVALID_ARGUMENT', `unknown capability "${name}"`, {
    subject: name,
    hint: 'a Linux capability such as net_bind_service, net_raw or sys_ptrace (see capabilities(7))',
  });
}

/**
 * The `security.capability` value granting `caps` (VFS cap data revision 2, as `setcap cap_x=ep` and ko write
 * it): permitted and effective, none inheritable, so a binary that knows nothing of capabilities still has them
 * when it starts, whatever user it runs as.
 */
export function encodeFileCapabilities(caps: readonly string[]): Buffer {
  let low = 0;
  let high = 0;
  for (const cap of caps) {
    const bit = CAPABILITY_NAMES.indexOf(parseCapability(cap));
    if (bit < 32) low |= 1 << bit;
    else high |= 1 << (bit - 32);
  }
  const out = Buffer.alloc(20);
  out.writeUInt32LE(VFS_CAP_REVISION_2 | VFS_CAP_FLAGS_EFFECTIVE, 0);
  out.writeUInt32LE(low >>> 0, 4); // permitted, capabilities 0-31
  out.writeUInt32LE(0, 8); // inheritable
  out.writeUInt32LE(high >>> 0, 12); // permitted, capabilities 32-63
  out.writeUInt32LE(0, 16);
  return out;
}

/** What a `security.capability` value grants; undefined for bytes that are not VFS cap data (v2 or v3). */
export function decodeFileCapabilities(
  value: Buffer,
): { permitted: string[]; inheritable: string[]; effective: boolean } | undefined {
  if (value.length < 20) return undefined;
  const magic = value.readUInt32LE(0);
  const revision = (magic & VFS_CAP_REVISION_MASK) >>> 0;
  if (
    !(revision === VFS_CAP_REVISION_2 && value.length === 20) &&
    !(revision === VFS_CAP_REVISION_3 && value.length === 24)
  ) {
    return undefined;
  }
  const names = (low: number, high: number): string[] =>
    CAPABILITY_NAMES.filter((_, bit) => (bit < 32 ? (low >>> bit) & 1 : (high >>> (bit - 32)) & 1) === 1);
  return {
    permitted: names(value.readUInt32LE(4), value.readUInt32LE(12)),
    inheritable: names(value.readUInt32LE(8), value.readUInt32LE(16)),
    effective: (magic & VFS_CAP_FLAGS_EFFECTIVE) !== 0,
  };
}

/** One PAX extended-header record, `LEN key=value\n`, where LEN counts the whole record, its own digits included. */
export function paxRecord(key: string, value: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(` ${key}=`), value, Buffer.from('\n')]);
  let len = body.length + 1;
  while (String(len).length + body.length > len) len++;
  return Buffer.concat([Buffer.from(String(len)), body]);
}
