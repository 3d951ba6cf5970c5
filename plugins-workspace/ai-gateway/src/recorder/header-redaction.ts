/**
 * Secret headers never reach disk or a projector. Storage gets `[redacted]`; projectors get
 * a view that keeps the auth scheme and the public kind marker of a key (`Bearer sk-ant-oat01-…`,
 * `sk-proj-…`, `eyJ…` for a JWT) so signature matching still works, and no secret characters.
 */
export type HeaderMap = Record<string, string | string[]>;

/**
 * Credential headers the gateway redacts on its own, whatever adapter is enabled or disabled
 * (a key must never reach disk because its adapter is off). Presets (`secret_headers`) and the
 * config (`redact_headers`) add names; nothing removes one.
 */
export const DEFAULT_REDACTED_HEADERS: readonly string[] = [
  'authorization',
  'x-api-key',
  'anthropic-api-key',
  'cookie',
  'set-cookie',
  'proxy-authorization',
  'chatgpt-account-id',
];

export const REDACTED = '[redacted]';

/** The built-in list plus `extra` (the config's and the presets' names), lowercased. */
export function secretHeaderNames(extra: readonly string[]): Set<string> {
  return new Set([...DEFAULT_REDACTED_HEADERS, ...extra.map((h) => h.toLowerCase())]);
}

/** Flat `[name, value, ...]` to a map with lowercased names; a repeated header becomes an array. */
export function headerMap(raw: readonly string[]): HeaderMap {
  const map: HeaderMap = {};
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    const value = raw[i + 1]!;
    const existing = map[name];
    if (existing === undefined) map[name] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else map[name] = [existing, value];
  }
  return map;
}

/** Known public key-kind markers; anything not matched shows nothing of the credential. */
const KIND_MARKERS = [/^sk-(?:[a-z]{2,8}-)?(?:[a-z]{2,5}\d{2}-)?/, /^eyJ/];
const MIN_HIDDEN_CHARS = 8;

/** A value that already is a kind view (`Bearer sk-ant-api03-…`, `…`): it holds no secret characters. */
const KIND_VIEW = /^(?:[A-Za-z][A-Za-z0-9-]* +)?(?:sk-(?:[a-z]{2,8}-)?(?:[a-z]{2,5}\d{2}-)?|eyJ)?…$/;

/** `Bearer sk-ant-api03-xyz…` -> `Bearer sk-ant-api03-…`; `hunter2` -> `…`; a kind view stays as it is. */
export function secretKindView(value: string): string {
  if (KIND_VIEW.test(value)) return value;
  const scheme = /^([A-Za-z][A-Za-z0-9-]*) +(\S.*)$/s.exec(value);
  const credential = scheme ? scheme[2]! : value;
  let marker = '';
  for (const re of KIND_MARKERS) {
    const m = re.exec(credential);
    if (m && credential.length - m[0].length >= MIN_HIDDEN_CHARS) {
      marker = m[0];
      break;
    }
  }
  return `${scheme ? `${scheme[1]} ` : ''}${marker}…`;
}

function mapValues(headers: HeaderMap, secrets: ReadonlySet<string>, replace: (value: string) => string): HeaderMap {
  const out: HeaderMap = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!secrets.has(name)) out[name] = value;
    else out[name] = Array.isArray(value) ? value.map(replace) : replace(value);
  }
  return out;
}

export function redactForStorage(headers: HeaderMap, secrets: ReadonlySet<string>): HeaderMap {
  return mapValues(headers, secrets, () => REDACTED);
}

export function redactForProjector(headers: HeaderMap, secrets: ReadonlySet<string>): HeaderMap {
  return mapValues(headers, secrets, secretKindView);
}

/**
 * Flat `[name, value, ...]` with every secret value replaced by its kind view: what a spill
 * file keeps, so the exchange is stored and projected later as if it came from memory.
 */
export function spillHeaders(raw: readonly string[], secrets: ReadonlySet<string>): string[] {
  const out = raw.slice();
  for (let i = 0; i + 1 < out.length; i += 2) {
    if (secrets.has(out[i]!.toLowerCase())) out[i + 1] = secretKindView(out[i + 1]!);
  }
  return out;
}
