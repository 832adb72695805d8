import { readFile } from 'node:fs/promises';
import { MinnowError } from '../errors.js';

/** Where Linux distributions keep their generated CA bundle, most common first. */
export const HOST_CA_BUNDLES = [
  '/etc/ssl/certs/ca-certificates.crt', // Debian, Ubuntu, Alpine, Arch
  '/etc/pki/tls/certs/ca-bundle.crt', // Fedora, RHEL
  '/etc/ssl/ca-bundle.pem', // openSUSE
  '/etc/ssl/cert.pem', // Alpine, macOS
];

/** Where the CA bundle sits in the image (the path Go, OpenSSL and distroless use). */
export const IMAGE_CA_PATH = '/etc/ssl/certs/ca-certificates.crt';

export interface CaBundle {
  data: Buffer;
  /** The file it came from, or `node:tls` for Node's built-in Mozilla roots. */
  source: string;
}

function looksLikePem(data: Buffer): boolean {
  return data.includes('-----BEGIN CERTIFICATE-----');
}

/**
 * The CA bundle to put in the image: `file` when given (`--ca-certs FILE`), else the host's bundle, else the
 * Mozilla roots Node ships (`tls.rootCertificates`). Throws INVALID_ARGUMENT when `file` holds no PEM certificate.
 */
export async function loadCaBundle(file?: string, candidates: string[] = HOST_CA_BUNDLES): Promise<CaBundle> {
  if (file) {
    const data = await readFile(file).catch((err: unknown) => {
      throw new MinnowError('NOT_FOUND', `cannot read CA bundle ${file}`, { subject: file, cause: err });
    });
    if (!looksLikePem(data)) {
      throw new MinnowError('INVALID_ARGUMENT', `${file} holds no PEM certificate`, { subject: file });
    }
    return { data, source: file };
  }
  for (const candidate of candidates) {
    const data = await readFile(candidate).catch(() => undefined);
    if (data && looksLikePem(data)) return { data, source: candidate };
  }
  // node:tls loads a good part of Node's networking stack: only for this fallback.
  const { rootCertificates } = process.getBuiltinModule('node:tls');
  return { data: Buffer.from(`${rootCertificates.join('\n')}\n`), source: 'node:tls' };
}
