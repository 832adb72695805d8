import { digestAlgorithm, digestHex, type Digest } from '../oci/index.js';

/** The in-toto v1 statement type. */
export const IN_TOTO_STATEMENT_V1 = 'https://in-toto.io/Statement/v1';

/** One subject of a statement: an artifact name and its digests. */
export interface StatementSubject {
  name: string;
  digest: Record<string, string>;
}

/** An in-toto v1 statement: what (subject) is claimed (predicate) of what kind (predicateType). */
export interface Statement<P = unknown> {
  _type: string;
  subject: StatementSubject[];
  predicateType: string;
  predicate: P;
}

/** The subject entry for an image: its repository (or reference) and its manifest digest. */
export function imageSubject(name: string, digest: Digest): StatementSubject {
  return { name, digest: { [digestAlgorithm(digest)]: digestHex(digest) } };
}

/** A statement about one image. */
export function statementFor<P>(
  name: string,
  digest: Digest,
  predicateType: string,
  predicate: P,
): Statement<P> {
  return { _type: IN_TOTO_STATEMENT_V1, subject: [imageSubject(name, digest)], predicateType, predicate };
}

/** True when a statement names `digest` among its subjects. */
export function statementNames(statement: Statement, digest: Digest): boolean {
  return statement.subject.some((s) => s.digest[digestAlgorithm(digest)] === digestHex(digest));
}
