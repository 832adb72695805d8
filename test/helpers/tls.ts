import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exec } from './exec.js';

/** A self-signed certificate for one IP address (real openssl, EC P-256, valid a day), as TLS server options. */
export async function selfSignedCert(dir: string, ip: string): Promise<{ key: Buffer; cert: Buffer }> {
  const key = join(dir, 'tls.key');
  const cert = join(dir, 'tls.crt');
  await exec('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    key,
    '-out',
    cert,
    '-subj',
    `/CN=${ip}`,
    '-days',
    '1',
    '-addext',
    `subjectAltName=IP:${ip}`,
  ]);
  return { key: await readFile(key), cert: await readFile(cert) };
}
