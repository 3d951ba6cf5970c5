/**
 * Secrets in a request target's query string never reach disk or the log: the value of a
 * parameter whose name says credential (key, api_key, token, access_token, sig, signature,
 * secret, password, auth, credential, code, ...; any case, also as the last part of a longer
 * name such as `x-amz-signature` or `subscription-key`), or whose value looks like a key
 * (`sk-…` with 16+ characters, a JWT), becomes `[redacted]`. Everything else stays byte for
 * byte. The proxy forwards the original target; only what is recorded is redacted.
 */
export const REDACTED_VALUE = '[redacted]';

/** Parameter names (lowercased, decoded) whose value is a secret: the name, or its last `-`/`_`/`.` part. */
const SECRET_NAME =
  /(?:^|[-_.])(?:key|apikey|token|accesstoken|secret|sig|signature|password|passwd|pwd|auth|authorization|credential|credentials|code)$/;
/** Values that are credentials whatever their parameter is called. */
const SECRET_VALUE = [/^sk-[A-Za-z0-9_-]{16,}/, /^eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\./];

function decoded(raw: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    return raw;
  }
}

function isSecret(name: string, value: string): boolean {
  return SECRET_NAME.test(decoded(name).toLowerCase()) || SECRET_VALUE.some((re) => re.test(decoded(value)));
}

/** `path?api_key=abc&beta=true` -> `path?api_key=[redacted]&beta=true`; a target without `?` is returned as is. */
export function redactQuerySecrets(target: string): string {
  const q = target.indexOf('?');
  if (q < 0) return target;
  const hash = target.indexOf('#', q);
  const query = target.slice(q + 1, hash < 0 ? undefined : hash);
  let changed = false;
  const params = query.split('&').map((param) => {
    const eq = param.indexOf('=');
    if (eq < 0) return param;
    const name = param.slice(0, eq);
    const value = param.slice(eq + 1);
    if (value === '' || !isSecret(name, value)) return param;
    changed = true;
    return `${name}=${REDACTED_VALUE}`;
  });
  if (!changed) return target;
  return `${target.slice(0, q + 1)}${params.join('&')}${hash < 0 ? '' : target.slice(hash)}`;
}
