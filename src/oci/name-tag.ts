/** The parts of `NAME[:TAG][@DIGEST]`, as written (nothing normalized, nothing checked). */
export interface NameTag {
  /** Everything before the tag and digest: `alpine`, `localhost:5000/team/app`, `out/app` for a layout dir. */
  name: string;
  /** After the last `:` that follows the last `/` (a registry port is not a tag); `''` for a trailing colon. */
  tag?: string;
  /** After the first `@`: `sha256:…`. */
  digest?: string;
}

/**
 * Splits `NAME[:TAG][@DIGEST]`: the one rule every image name in minnow is cut by (registry references, Engine
 * names, `daemon:NAME[:TAG]`, `oci:DIR[:TAG]`, Dockerfile `FROM` lines). A colon before the last slash belongs
 * to the name (`host:5000/app`, `/a:b/c`), so is any colon inside `[…]` of an IPv6 host. Callers check the parts.
 */
export function splitNameTag(value: string): NameTag {
  const at = value.indexOf('@');
  const digest = at >= 0 ? value.slice(at + 1) : undefined;
  const rest = at >= 0 ? value.slice(0, at) : value;
  const colon = rest.lastIndexOf(':');
  const hasTag = colon > rest.lastIndexOf('/') && colon > rest.lastIndexOf(']');
  return {
    name: hasTag ? rest.slice(0, colon) : rest,
    ...(hasTag ? { tag: rest.slice(colon + 1) } : {}),
    ...(digest !== undefined ? { digest } : {}),
  };
}
