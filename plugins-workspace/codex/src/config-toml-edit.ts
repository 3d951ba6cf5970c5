/**
 * Text edits of Codex's `config.toml` that keep every byte of the user's file: comments, key
 * order, spacing, line endings. Attach never changes which provider Codex uses (a thread
 * remembers its provider id, and resume refuses another one); it changes only where that
 * provider points, in one marked block:
 *   - the built-in `openai` provider: the root `openai_base_url`;
 *   - a provider of the user's `[model_providers.<id>]`: that table's `base_url`.
 * The block stands where the user's line was (or, for a root key that was not set, before
 * the first table), with that line kept verbatim in a `# previous:` comment. Detach puts the
 * line back and removes the block, so attach + detach is the identity. smol-toml parses every
 * candidate position and the result: an edit that would change anything but the one managed
 * key is refused. Blocks of the previous form (a `hypaware` provider selected by
 * `model_provider`) are still recognised and removed.
 */
import { isDeepStrictEqual } from 'node:util';
import { parse, TomlError } from 'smol-toml';

/** The provider id of the previous attach form (a provider of HypAware's own). */
export const LEGACY_PROVIDER_ID = 'hypaware';
/** Codex's built-in provider that `openai_base_url` redirects. */
export const BUILTIN_OPENAI = 'openai';

const BEGIN = '# >>> hypaware codex: ';
const END = '# <<< hypaware codex: ';
/** block kinds: `base_url` (now), `model_provider` and `provider` (the previous form) */
const KINDS = ['base_url', 'model_provider', 'provider'] as const;
type BlockKind = (typeof KINDS)[number];
const PREVIOUS = '# previous: ';
const NOTE_FINAL_NEWLINE = '# note: added the final newline of the line above';
const NOTE_CREATED = '# note: this file was created by hyp codex attach';
const PROBE = '__hypaware_probe__';
const HEADER_LINE = /^\s*\[/;
const COMMENT_LINE = /^\s*#/;

/** The one key attach manages, as a TOML path (`['openai_base_url']`, `['model_providers', id, 'base_url']`). */
export interface ManagedKey {
  path: string[];
  value: string;
}

/** A config file Codex cannot read, or one this module cannot edit safely. */
export class ConfigEditError extends Error {
  constructor(
    message: string,
    readonly kind: 'malformed' | 'conflict' | 'unsafe',
  ) {
    super(message);
    this.name = 'ConfigEditError';
  }
}

interface Line {
  text: string;
  eol: string;
}

interface Block {
  kind: BlockKind;
  start: number;
  /** index of the END marker line */
  end: number;
}

function splitLines(text: string): Line[] {
  const lines: Line[] = [];
  for (const m of text.matchAll(/([^\r\n]*)(\r\n|\n|\r|$)/g)) {
    if (m[0] === '' && m.index === text.length) break;
    lines.push({ text: m[1]!, eol: m[2]! });
  }
  return lines;
}

function joinLines(lines: Line[]): string {
  return lines.map((l) => l.text + l.eol).join('');
}

function lineEnding(text: string): string {
  const crlf = text.match(/\r\n/g)?.length ?? 0;
  const lf = (text.match(/\n/g)?.length ?? 0) - crlf;
  return crlf > lf ? '\r\n' : '\n';
}

/** smol-toml builds null-prototype tables; plain copies compare with isDeepStrictEqual. */
function plain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(plain);
  if (typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  }
  return value;
}

function tomlParse(text: string): Record<string, unknown> {
  return plain(parse(text)) as Record<string, unknown>;
}

function parsesTo(text: string): Record<string, unknown> | undefined {
  try {
    return tomlParse(text);
  } catch {
    return undefined;
  }
}

/** Parse the user's file; a syntax error becomes a one-line message with its position. */
export function parseConfig(text: string, path: string): Record<string, unknown> {
  try {
    return tomlParse(text);
  } catch (err) {
    const where = err instanceof TomlError ? ` (line ${err.line}, column ${err.column})` : '';
    const first = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new ConfigEditError(`${path} is not valid TOML${where}: ${first}`, 'malformed');
  }
}

function blockKind(text: string, marker: string): BlockKind | undefined {
  if (!text.startsWith(marker)) return undefined;
  const rest = text.slice(marker.length);
  return KINDS.find((k) => rest === k || rest.startsWith(`${k} `));
}

function findBlocks(lines: Line[], path: string): Block[] {
  const blocks: Block[] = [];
  let open: { kind: BlockKind; start: number } | undefined;
  lines.forEach((line, i) => {
    const t = line.text.trim();
    const begin = blockKind(t, BEGIN);
    const end = begin ? undefined : blockKind(t, END);
    if (begin) {
      if (open)
        throw new ConfigEditError(
          `${path}: HypAware block opened at line ${open.start + 1} is not closed before line ${i + 1}; fix or remove the block by hand`,
          'malformed',
        );
      open = { kind: begin, start: i };
    } else if (end) {
      if (!open || open.kind !== end)
        throw new ConfigEditError(
          `${path}: line ${i + 1} closes a HypAware block that was never opened; fix or remove it by hand`,
          'malformed',
        );
      blocks.push({ ...open, end: i });
      open = undefined;
    }
  });
  if (open)
    throw new ConfigEditError(
      `${path}: HypAware block opened at line ${open.start + 1} has no end marker; fix or remove it by hand`,
      'malformed',
    );
  if (KINDS.some((k) => blocks.filter((b) => b.kind === k).length > 1)) {
    throw new ConfigEditError(
      `${path}: more than one HypAware block of the same kind; remove the extra by hand`,
      'malformed',
    );
  }
  return blocks;
}

function blockLines(lines: Line[], block: Block): Line[] {
  return lines.slice(block.start + 1, block.end);
}

function valueAt(data: unknown, path: string[]): unknown {
  let at = data;
  for (const key of path) {
    if (typeof at !== 'object' || at === null || Array.isArray(at)) return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}

export interface AttachmentState {
  attached: boolean;
  /** the managed key and the URL attach wrote there */
  key?: string;
  base_url?: string;
  /** the user's line that detach puts back */
  previous_line?: string;
  /** the previous form only: the `model_provider` detach restores */
  previous_value?: string;
}

/** What the managed blocks of `text` say (throws ConfigEditError on broken markers). */
export function readAttachment(text: string, path: string): AttachmentState {
  const lines = splitLines(text);
  const blocks = findBlocks(lines, path);
  const current = blocks.find((b) => b.kind === 'base_url');
  if (current) {
    const data = parsesTo(text);
    const header = lines[current.start]!.text.trim()
      .slice(BEGIN.length + 'base_url'.length)
      .trim();
    const keyPath = /^\(([^)]*)\)/.exec(header)?.[1]?.split(' ')[0] ?? '';
    const value = keyPath ? valueAt(data, splitKeyPath(keyPath)) : undefined;
    const previous = blockLines(lines, current).find((l) => l.text.startsWith(PREVIOUS));
    return {
      attached: true,
      ...(keyPath ? { key: keyPath } : {}),
      ...(typeof value === 'string' ? { base_url: value } : {}),
      ...(previous ? { previous_line: previous.text.slice(PREVIOUS.length) } : {}),
    };
  }
  const root = blocks.find((b) => b.kind === 'model_provider');
  const table = blocks.find((b) => b.kind === 'provider');
  const state: AttachmentState = { attached: root !== undefined && table !== undefined };
  if (table) {
    const baseUrl = valueAt(parsesTo(joinLines(blockLines(lines, table))), [
      'model_providers',
      LEGACY_PROVIDER_ID,
      'base_url',
    ]);
    if (typeof baseUrl === 'string') state.base_url = baseUrl;
  }
  const previous = root ? blockLines(lines, root).find((l) => l.text.startsWith(PREVIOUS)) : undefined;
  if (previous) {
    state.previous_line = previous.text.slice(PREVIOUS.length);
    const value = parsesTo(state.previous_line)?.model_provider;
    if (typeof value === 'string') state.previous_value = value;
  }
  return state;
}

export interface DetachResult {
  text: string;
  changed: boolean;
  /** attach created the file and nothing else is left in it */
  removable: boolean;
}

/** Remove the managed blocks and put the user's original lines back. */
export function detachText(text: string, path: string): DetachResult {
  const lines = splitLines(text);
  const blocks = findBlocks(lines, path);
  if (blocks.length === 0) return { text, changed: false, removable: false };
  const out: Line[] = [];
  let created = false;
  let i = 0;
  for (const block of [...blocks].sort((a, b) => a.start - b.start)) {
    out.push(...lines.slice(i, block.start));
    const inner = blockLines(lines, block);
    if (inner.some((l) => l.text === NOTE_FINAL_NEWLINE) && out.length > 0)
      out[out.length - 1] = { ...out[out.length - 1]!, eol: '' };
    if (inner.some((l) => l.text === NOTE_CREATED)) created = true;
    const previous = inner.find((l) => l.text.startsWith(PREVIOUS));
    if (previous) out.push({ text: previous.text.slice(PREVIOUS.length), eol: lines[block.end]!.eol });
    i = block.end + 1;
  }
  out.push(...lines.slice(i));
  const restored = joinLines(out);
  return { text: restored, changed: true, removable: created && restored === '' };
}

/** `model_providers.corp.base_url` -> its parts (ids are bare keys or quoted). */
function splitKeyPath(text: string): string[] {
  return [...text.matchAll(/"((?:[^"\\]|\\.)*)"|([A-Za-z0-9_-]+)/g)].map((m) =>
    m[1] !== undefined ? (JSON.parse(`"${m[1]}"`) as string) : m[2]!,
  );
}

function keyPathText(path: string[]): string {
  return path.map((k) => (/^[A-Za-z0-9_-]+$/.test(k) ? k : JSON.stringify(k))).join('.');
}

/** Index of the line that sets `path`, found by probing candidates with the parser. */
function keyLine(lines: Line[], path: string[]): number | undefined {
  const last = path[path.length - 1]!;
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i]!.text;
    const eq = text.indexOf('=');
    if (eq < 0 || COMMENT_LINE.test(text) || !text.slice(0, eq).includes(last)) continue;
    const probe = [...lines];
    probe[i] = { text: `${text.slice(0, eq)}= "${PROBE}"`, eol: lines[i]!.eol };
    if (valueAt(parsesTo(joinLines(probe)), path) === PROBE) return i;
  }
  return undefined;
}

/** Where a root key can go: before the first table header (and the comments right above it). */
function rootInsertionLine(lines: Line[], eol: string): number | undefined {
  for (let i = 0; i < lines.length; i++) {
    if (!HEADER_LINE.test(lines[i]!.text)) continue;
    const probe = [...lines.slice(0, i), { text: `${PROBE} = 1`, eol }, ...lines.slice(i)];
    if (parsesTo(joinLines(probe))?.[PROBE] !== 1) continue;
    let at = i;
    while (at > 0 && COMMENT_LINE.test(lines[at - 1]!.text)) at--;
    return at;
  }
  return undefined;
}

/** Append `block` at the end, adding a final newline (noted, so detach removes it) if the file had none. */
function appendBlock(lines: Line[], block: Line[], eol: string): void {
  const last = lines[lines.length - 1];
  if (last && last.eol === '') {
    last.eol = eol;
    block.splice(1, 0, { text: NOTE_FINAL_NEWLINE, eol });
  }
  lines.push(...block);
}

/** Which provider Codex uses: the active profile's `model_provider`, the root one, else the built-in `openai`. */
export function activeProvider(config: Record<string, unknown>): { id: string; where: string } {
  const profile = typeof config.profile === 'string' ? config.profile : undefined;
  const fromProfile = profile ? valueAt(config, ['profiles', profile, 'model_provider']) : undefined;
  if (typeof fromProfile === 'string') return { id: fromProfile, where: `profiles.${profile}.model_provider` };
  if (typeof config.model_provider === 'string') return { id: config.model_provider, where: 'model_provider' };
  return { id: BUILTIN_OPENAI, where: 'the default' };
}

export interface AttachPlan {
  /** the provider Codex keeps using */
  provider: string;
  /** the key attach sets */
  path: string[];
  /** the user's own URL there now (undefined: the provider's default) */
  current?: string;
}

/**
 * What attach must change in this (already detached) text: the built-in provider's
 * `openai_base_url`, or the `base_url` of the user's own provider table. Refuses a provider
 * HypAware cannot redirect without changing its id.
 */
export function planAttach(text: string, path: string): AttachPlan {
  const config = parseConfig(text, path);
  const { id, where } = activeProvider(config);
  if (id === LEGACY_PROVIDER_ID && valueAt(config, ['model_providers', id]) === undefined) {
    throw new ConfigEditError(
      `${path}: ${where} is "${id}" but no such provider is defined; set it back to your provider, then attach again`,
      'conflict',
    );
  }
  if (id === BUILTIN_OPENAI) {
    const current = config.openai_base_url;
    if (current !== undefined && typeof current !== 'string')
      throw new ConfigEditError(`${path}: openai_base_url is not a string; fix it, then attach again`, 'unsafe');
    return { provider: id, path: ['openai_base_url'], ...(current ? { current } : {}) };
  }
  const table = valueAt(config, ['model_providers', id]);
  if (typeof table !== 'object' || table === null) {
    throw new ConfigEditError(
      `${path}: ${where} "${id}" is a built-in provider HypAware cannot redirect; attach works with "openai" and with providers defined under [model_providers]`,
      'unsafe',
    );
  }
  const baseUrl = (table as Record<string, unknown>).base_url;
  if (typeof baseUrl !== 'string' || baseUrl.trim() === '') {
    throw new ConfigEditError(
      `${path}: model_providers.${id} has no base_url, so HypAware cannot tell where its traffic goes; add base_url, then attach again`,
      'unsafe',
    );
  }
  return { provider: id, path: ['model_providers', id, 'base_url'], current: baseUrl };
}

export interface AttachResult {
  text: string;
  /** the text differs from the input */
  changed: boolean;
}

/**
 * Set the managed key. Idempotent: an attached file is first detached in memory, so attaching
 * twice with the same value changes nothing. `created`: the file did not exist (detach will
 * then remove it again).
 */
export function attachText(current: string, key: ManagedKey, path: string, created = false): AttachResult {
  const undone = detachText(current, path);
  const base = undone.text;
  const wasCreated = created || undone.removable;
  const before = parseConfig(base, path);
  const eol = lineEnding(base);
  const lines = splitLines(base);
  const line = (text: string): Line => ({ text, eol });
  const keyText = keyPathText(key.path);
  const block = [
    line(`${BEGIN}base_url (${keyText} managed by hyp codex attach; hyp codex detach restores the previous line)`),
    ...(wasCreated ? [line(NOTE_CREATED)] : []),
    line(`${END}base_url`),
  ];
  const at = valueAt(before, key.path) === undefined ? undefined : keyLine(lines, key.path);
  if (valueAt(before, key.path) !== undefined && at === undefined) {
    throw new ConfigEditError(
      `${path}: cannot find the line that sets ${keyText}; put it on one line of its own`,
      'unsafe',
    );
  }
  if (at !== undefined) {
    const original = lines[at]!.text;
    const indent = /^\s*/.exec(original)![0];
    block.splice(
      1,
      0,
      line(PREVIOUS + original),
      line(`${indent}${original.slice(indent.length, original.indexOf('=')).trimEnd()} = ${JSON.stringify(key.value)}`),
    );
    block[block.length - 1]!.eol = lines[at]!.eol;
    lines.splice(at, 1, ...block);
  } else {
    if (key.path.length !== 1)
      throw new ConfigEditError(`${path}: ${keyText} is not set; HypAware only replaces it`, 'unsafe');
    block.splice(block.length - 1, 0, line(`${keyText} = ${JSON.stringify(key.value)}`));
    const insertAt = rootInsertionLine(lines, eol);
    if (insertAt === undefined) appendBlock(lines, block, eol);
    else lines.splice(insertAt, 0, ...block);
  }
  const text = joinLines(lines);
  verify(text, before, base, key, path);
  return { text, changed: text !== current };
}

/** The edit must set exactly the managed key and undo to the user's bytes. */
function verify(text: string, before: Record<string, unknown>, base: string, key: ManagedKey, path: string): void {
  const after = parsesTo(text);
  const unsafe = () =>
    new ConfigEditError(
      `${path}: cannot point ${keyPathText(key.path)} at HypAware without changing other settings`,
      'unsafe',
    );
  if (!after || valueAt(after, key.path) !== key.value) throw unsafe();
  const expected = structuredClone(before);
  let at: Record<string, unknown> = expected;
  for (const k of key.path.slice(0, -1)) at = at[k] as Record<string, unknown>;
  at[key.path[key.path.length - 1]!] = key.value;
  if (!isDeepStrictEqual(after, expected)) throw unsafe();
  if (detachText(text, path).text !== base) throw unsafe();
}
