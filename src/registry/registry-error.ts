import { MinnowError, type ErrorCode } from '../errors.js';
import type { HttpResponse } from './transport.js';

/** One entry of a registry's `{"errors": [...]}` body (OCI distribution spec). */
export interface RegistryErrorEntry {
  code: string;
  message?: string;
  detail?: unknown;
}

/** What was being done, for the message: `pull`, `push`, `check`, and the `registry/repo[:tag]` it was done to. */
export interface ErrorContext {
  action: string;
  subject: string;
  /** Registry host, for the login hint. */
  registry: string;
}

/** Reads up to 64 KiB of an error body and pulls out the registry's error codes. */
export async function readRegistryErrors(res: HttpResponse): Promise<RegistryErrorEntry[]> {
  let text = '';
  try {
    for await (const chunk of res.body) {
      text += (chunk as Buffer).toString();
      if (text.length > 65_536) break;
    }
  } catch {
    return [];
  }
  try {
    const doc = JSON.parse(text) as { errors?: unknown };
    if (!Array.isArray(doc.errors)) return [];
    return doc.errors
      .filter(
        (e): e is { code: unknown; message?: unknown; detail?: unknown } => !!e && typeof e === 'object',
      )
      .map((e) => ({
        code: String(e.code ?? 'UNKNOWN'),
        ...(typeof e.message === 'string' ? { message: e.message } : {}),
        detail: e.detail,
      }));
  } catch {
    return [];
  }
}

function describe(errors: RegistryErrorEntry[]): string {
  return errors
    .slice(0, 3)
    .map((e) =>
      `${e.code.toLowerCase()}: ${(e.message ?? '').replace(/\s+/g, ' ').trim()}`.replace(/: $/, ''),
    )
    .join('; ');
}

/**
 * Turns a failed registry response into one clear MinnowError line: what was being done to which repository,
 * the HTTP status and the registry's error codes, and a hint on what to do.
 */
export async function registryError(res: HttpResponse, ctx: ErrorContext): Promise<MinnowError> {
  const errors = await readRegistryErrors(res);
  const codes = errors.map((e) => e.code);
  const said = errors.length ? describe(errors) : '';
  const status = res.status;
  const details = { status, errors: codes };
  const line = (text: string): string => `cannot ${ctx.action} ${ctx.subject}: ${text}`;
  let code: ErrorCode = 'REGISTRY_ERROR';
  let message: string;
  let hint: string | undefined;
  if (status === 401 || codes.includes('UNAUTHORIZED')) {
    code = 'UNAUTHORIZED';
    message = line(said || 'authentication required (HTTP 401)');
    hint = `log in with "minnow login ${ctx.registry}" (or docker login) using an account allowed to ${ctx.action.replace(/ to$/, '')} it`;
  } else if (status === 403 || codes.includes('DENIED')) {
    code = 'DENIED';
    message = line(said || 'access denied (HTTP 403)');
    hint = `check the repository name, and that your account may ${ctx.action.replace(/ to$/, '')} it (minnow login ${ctx.registry})`;
  } else if (codes.includes('DIGEST_INVALID') || codes.includes('SIZE_INVALID')) {
    code = 'DIGEST_MISMATCH';
    message = line(`the registry rejected the content: ${said}`);
  } else if (status === 404) {
    code = 'NOT_FOUND';
    message = line(said ? `not found (${said})` : 'not found (HTTP 404)');
    hint = 'check the repository name and the tag or digest';
  } else if (status === 429 || codes.includes('TOOMANYREQUESTS')) {
    message = line(`rate limited by the registry (HTTP 429${said ? `, ${said}` : ''})`);
    hint = 'wait and try again, or log in: registries give authenticated users higher limits';
  } else if (status >= 500) {
    message = line(`the registry failed with HTTP ${status}${said ? ` (${said})` : ''}`);
    hint = 'the registry may be overloaded or restarting; try again';
  } else {
    message = line(`HTTP ${status}${said ? ` (${said})` : ''}`);
  }
  return new MinnowError(code, message, { subject: ctx.subject, hint, details });
}
