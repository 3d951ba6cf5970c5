/**
 * Text edits of Codex's `config.toml` that keep every byte of the user's file: comments, key
 * order, spacing, line endings. Attach adds two marked blocks:
 *   - where the root `model_provider` line was (or before the first table, or at the end):
 *     `model_provider = "hypaware"`, with the user's original line kept verbatim in a
 *     `# previous:` comment;
 *   - at the end: the `[model_providers.hypaware]` table.
 * Detach puts the original line back and removes the blocks, so attach + detach is the
 * identity. smol-toml parses every candidate position and the result: an edit that would
 * change anything but the two managed settings is refused.
 */
import { isDeepStrictEqual } from 'node:util';
import { parse, TomlError } from 'smol-toml';

export const PROVIDER_ID = 'hypaware';

const ROOT_BEGIN = '# >>> hypaware codex: model_provider';
const ROOT_END = '# <<< hypaware codex: model_provider';
const TABLE_BEGIN = '# >>> hypaware codex: provider';
const TABLE_END = '# <<< hypaware codex: provider';
const PREVIOUS = '# previous: ';
const NOTE_FINAL_NEWLINE = '# note: added the final newline of the line above';
const NOTE_CREATED = '# note: this file was created by hyp codex attach';
const PROBE = '__hypaware_probe__';
const ROOT_KEY_LINE = /^\s*(?:model_provider|"model_provider"|'model_provider')\s*=/;
const HEADER_LINE = /^\s*\[/;
const COMMENT_LINE = /^\s*#/;

/** The settings of the managed provider table. */
export interface ProviderSettings {
  name: string;
  base_url: string;
}

/** A config file Codex cannot read, or one this module cannot edit safely. */
export class ConfigEditError extends Error {
  constructor(message: string, readonly kind: 'malformed' | 'conflict' | 'unsafe') {
    super(message);
    this.name = 'ConfigEditError';
  }
}

interface Line {
  text: string;
  eol: string;
}

interface Block {
  kind: 'root' | 'table';
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

function findBlocks(lines: Line[], path: string): Block[] {
  const blocks: Block[] = [];
  let open: { kind: Block['kind']; start: number } | undefined;
  lines.forEach((line, i) => {
    const t = line.text.trim();
    const begin = t.startsWith(ROOT_BEGIN) ? 'root' : t.startsWith(TABLE_BEGIN) ? 'table' : undefined;
    if (begin) {
      if (open) throw new ConfigEditError(`${path}: HypAware block opened at line ${open.start + 1} is not closed before line ${i + 1}; fix or remove the block by hand`, 'malformed');
      open = { kind: begin, start: i };
    } else if (t.startsWith(ROOT_END) || t.startsWith(TABLE_END)) {
      const kind = t.startsWith(ROOT_END) ? 'root' : 'table';
      if (!open || open.kind !== kind) throw new ConfigEditError(`${path}: line ${i + 1} closes a HypAware block that was never opened; fix or remove it by hand`, 'malformed');
      blocks.push({ ...open, end: i });
      open = undefined;
    }
  });
  if (open) throw new ConfigEditError(`${path}: HypAware block opened at line ${open.start + 1} has no end marker; fix or remove it by hand`, 'malformed');
  if (blocks.filter((b) => b.kind === 'root').length > 1 || blocks.filter((b) => b.kind === 'table').length > 1) {
    throw new ConfigEditError(`${path}: more than one HypAware block of the same kind; remove the extra by hand`, 'malformed');
  }
  return blocks;
}

function blockLines(lines: Line[], block: Block): Line[] {
  return lines.slice(block.start + 1, block.end);
}

export interface AttachmentState {
  attached: boolean;
  /** the managed provider's base_url */
  base_url?: string;
  /** the user's `model_provider` line that detach puts back */
  previous_line?: string;
  /** the previous model_provider value */
  previous_value?: string;
}

/** What the managed blocks of `text` say (throws ConfigEditError on broken markers). */
export function readAttachment(text: string, path: string): AttachmentState {
  const lines = splitLines(text);
  const blocks = findBlocks(lines, path);
  const root = blocks.find((b) => b.kind === 'root');
  const table = blocks.find((b) => b.kind === 'table');
  const state: AttachmentState = { attached: root !== undefined && table !== undefined };
  if (table) {
    const settings = parsesTo(joinLines(blockLines(lines, table)));
    const providers = settings?.model_providers as Record<string, Record<string, unknown>> | undefined;
    const baseUrl = providers?.[PROVIDER_ID]?.base_url;
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

/** Remove the managed blocks and put the user's original `model_provider` line back. */
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
    if (inner.some((l) => l.text === NOTE_FINAL_NEWLINE) && out.length > 0) out[out.length - 1] = { ...out[out.length - 1]!, eol: '' };
    if (inner.some((l) => l.text === NOTE_CREATED)) created = true;
    const previous = inner.find((l) => l.text.startsWith(PREVIOUS));
    if (previous) out.push({ text: previous.text.slice(PREVIOUS.length), eol: lines[block.end]!.eol });
    i = block.end + 1;
  }
  out.push(...lines.slice(i));
  const restored = joinLines(out);
  return { text: restored, changed: true, removable: created && restored === '' };
}

/** Index of the line that sets the root `model_provider`, found by probing candidates with the parser. */
function rootKeyLine(lines: Line[]): number | undefined {
  for (let i = 0; i < lines.length; i++) {
    if (!ROOT_KEY_LINE.test(lines[i]!.text)) continue;
    const probe = [...lines];
    probe[i] = { text: `model_provider = "${PROBE}"`, eol: lines[i]!.eol };
    if (parsesTo(joinLines(probe))?.model_provider === PROBE) return i;
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

function quoted(value: string): string {
  return JSON.stringify(value);
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

export interface AttachResult {
  text: string;
  /** the text differs from the input */
  changed: boolean;
  previous_value?: string;
}

/**
 * Point Codex at the managed provider. Idempotent: an attached file is first detached in
 * memory, so attaching twice with the same settings changes nothing.
 * `created`: the file did not exist (detach will then remove it again).
 */
export function attachText(current: string, settings: ProviderSettings, path: string, created = false): AttachResult {
  const undone = detachText(current, path);
  const base = undone.text;
  const wasCreated = created || undone.removable;
  const before = parseConfig(base, path);
  const providers = before.model_providers;
  if (typeof providers === 'object' && providers !== null && PROVIDER_ID in providers) {
    throw new ConfigEditError(`${path} already defines model_providers.${PROVIDER_ID} outside HypAware's managed block; remove or rename it, then attach again`, 'conflict');
  }
  const previousValue = typeof before.model_provider === 'string' ? before.model_provider : undefined;
  const eol = lineEnding(base);
  const lines = splitLines(base);
  const line = (text: string): Line => ({ text, eol });

  const rootBlock = [
    line(`${ROOT_BEGIN} (managed by hyp codex attach; hyp codex detach restores the previous line)`),
    ...(wasCreated ? [line(NOTE_CREATED)] : []),
    line(`model_provider = ${quoted(PROVIDER_ID)}`),
    line(ROOT_END),
  ];
  const tableBlock = [
    line(`${TABLE_BEGIN} (managed by hyp codex attach; hyp codex detach removes it)`),
    line(`[model_providers.${PROVIDER_ID}]`),
    line(`name = ${quoted(settings.name)}`),
    line(`base_url = ${quoted(settings.base_url)}`),
    line('wire_api = "responses"'),
    line('requires_openai_auth = true'),
    line('supports_websockets = false'),
    line(TABLE_END),
  ];

  if (before.model_provider !== undefined) {
    const at = rootKeyLine(lines);
    if (at === undefined) throw new ConfigEditError(`${path}: cannot find the line that sets model_provider; put it on one line of its own before any table`, 'unsafe');
    rootBlock.splice(1, 0, line(PREVIOUS + lines[at]!.text));
    rootBlock[rootBlock.length - 1]!.eol = lines[at]!.eol;
    lines.splice(at, 1, ...rootBlock);
  } else {
    const at = rootInsertionLine(lines, eol);
    if (at === undefined) appendBlock(lines, rootBlock, eol);
    else lines.splice(at, 0, ...rootBlock);
  }
  appendBlock(lines, tableBlock, eol);
  const text = joinLines(lines);
  verify(text, before, base, settings, path);
  return { text, changed: text !== current, ...(previousValue !== undefined ? { previous_value: previousValue } : {}) };
}

/** The edit must set exactly the two managed settings and undo to the user's bytes. */
function verify(text: string, before: Record<string, unknown>, base: string, settings: ProviderSettings, path: string): void {
  const after = parsesTo(text);
  const unsafe = () => new ConfigEditError(`${path}: cannot add the HypAware provider without changing other settings`, 'unsafe');
  if (!after || after.model_provider !== PROVIDER_ID) throw unsafe();
  const providers = { ...(after.model_providers as Record<string, unknown>) };
  const expected = { name: settings.name, base_url: settings.base_url, wire_api: 'responses', requires_openai_auth: true, supports_websockets: false };
  if (!isDeepStrictEqual(providers[PROVIDER_ID], expected)) throw unsafe();
  delete providers[PROVIDER_ID];
  const rest: Record<string, unknown> = { ...after };
  if ('model_provider' in before) rest.model_provider = before.model_provider;
  else delete rest.model_provider;
  if ('model_providers' in before) rest.model_providers = providers;
  else delete rest.model_providers;
  if (!isDeepStrictEqual(rest, before)) throw unsafe();
  if (detachText(text, path).text !== base) throw unsafe();
}
