/**
 * Parsing of request bodies that re-send the body before them. Every turn of an agent sends
 * its whole history again (Claude's `messages`, the Responses API's `input`): the same text as
 * the conversation's previous request up to where the turn changed it, then the new items, then
 * the same settings, system prompt and tools after the list. A projector that parses each body
 * whole parses the history again on every turn.
 *
 * `ResentJsonParser.parse` returns what `JSON.parse` would, but builds from the text only the
 * items a remembered earlier body did not have: items the two texts share at the start are the
 * earlier body's parsed items (the same objects), and members outside the list are the earlier
 * ones when the text after the list is the same. Nothing is assumed: a reused item's text is
 * the text `JSON.stringify` gives for it (checked before it is reused), the shared start and end
 * are compared character by character, and the new items must parse on their own as a list.
 * Anything else (whitespace, number spellings `JSON.stringify` would write otherwise, duplicate
 * members, a `__proto__` member) is parsed whole, as before.
 *
 * Parsed values are shared between results: callers must not modify them.
 */
import type { JsonObject, JsonValue } from '../plugin-api.js';
import { LruCache } from './lru-cache.js';
import { isPlainObject } from './plain-object.js';

/** Characters compared at a time when looking for the shared start. */
const COMPARE_CHUNK = 4096;

export interface ResentJsonOptions {
  /** the member holding the list each turn grows (`messages`, `input`) */
  listKey: string;
  /** earlier bodies remembered under one hint (a session's main thread and its sub-agents) */
  perHint?: number;
  /** hints remembered */
  maxHints?: number;
  /** characters of body text remembered over all hints */
  maxChars?: number;
  /** a body shorter than this is parsed whole and not remembered */
  minChars?: number;
}

/** What the parser did so far (tests and benchmarks read it). */
export interface ResentJsonStats {
  /** bodies parsed whole */
  whole: number;
  /** bodies built from a remembered one */
  resent: number;
  /** characters parsed by `JSON.parse` */
  parsedChars: number;
  /** list items reused from a remembered body */
  reusedItems: number;
}

/**
 * `a` and `b` have the same characters from `aStart` and `bStart` for `length`. Equality of two
 * substrings is a memory comparison in V8, many times faster than `startsWith`/`endsWith`
 * (which compare a character at a time).
 */
function sameRange(a: string, aStart: number, b: string, bStart: number, length: number): boolean {
  return a.substring(aStart, aStart + length) === b.substring(bStart, bStart + length);
}

/** Characters `a` and `b` share at their start. */
function sharedStart(a: string, b: string): number {
  const max = Math.min(a.length, b.length);
  let n = 0;
  while (n < max) {
    const step = Math.min(COMPARE_CHUNK, max - n);
    if (!sameRange(a, n, b, n, step)) break;
    n += step;
  }
  // the first chunk that differs: halve it
  let step = Math.min(COMPARE_CHUNK, max - n);
  while (step > 8) {
    step >>= 1;
    if (sameRange(a, n, b, n, step)) n += step;
  }
  while (n < max && a.charCodeAt(n) === b.charCodeAt(n)) n++;
  return n;
}

function parseOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** A parsed body and where its list's items are in its text. */
class Remembered {
  readonly text: string;
  readonly value: JsonObject;
  readonly list: JsonValue[];
  /** index just after the list's `[` */
  readonly open: number;
  /** index of the list's `]` */
  readonly close: number;
  /** end index (exclusive) of the list's first items, as far as they were checked */
  readonly ends: number[];
  /** an item's text was not what `JSON.stringify` gives for it: no further item can be reused */
  #stopped = false;

  constructor(text: string, value: JsonObject, list: JsonValue[], open: number, close: number, ends: number[]) {
    this.text = text;
    this.value = value;
    this.list = list;
    this.open = open;
    this.close = close;
    this.ends = ends;
  }

  /**
   * The number of leading items whose text ends at or before `limit`, checking items' texts
   * as far as needed: each is `JSON.stringify` of the parsed item, followed by `,` or (the
   * last) by the list's `]`.
   */
  itemsWithin(limit: number): number {
    const ends = this.ends;
    while (!this.#stopped && ends.length < this.list.length && (ends.at(-1) ?? this.open) < limit) {
      const at = ends.length === 0 ? this.open : ends.at(-1)! + 1;
      const item = JSON.stringify(this.list[ends.length]);
      const end = at + item.length;
      const last = ends.length === this.list.length - 1;
      if (
        !sameRange(this.text, at, item, 0, item.length) ||
        (last ? end !== this.close : this.text.charCodeAt(end) !== 0x2c) /* , */
      )
        this.#stopped = true;
      else ends.push(end);
    }
    let n = ends.length;
    while (n > 0 && ends[n - 1]! > limit) n--;
    return n;
  }
}

export class ResentJsonParser {
  readonly #listKey: string;
  readonly #perHint: number;
  readonly #minChars: number;
  readonly #remembered: LruCache<string, Remembered[]>;
  readonly stats: ResentJsonStats = { whole: 0, resent: 0, parsedChars: 0, reusedItems: 0 };

  constructor(options: ResentJsonOptions) {
    this.#listKey = options.listKey;
    this.#perHint = options.perHint ?? 3;
    this.#minChars = options.minChars ?? 2048;
    const maxChars = options.maxChars ?? 8 * 1024 * 1024;
    this.#remembered = new LruCache(options.maxHints ?? 16, {
      max: maxChars,
      of: (list) => list.reduce((n, r) => n + r.text.length, 0),
    });
  }

  /**
   * `text` parsed, when it is a JSON object (undefined for anything else, as for invalid
   * JSON). `hint` names where an earlier body of the same conversation may be remembered (a
   * session id; a wrong hint costs only a whole parse).
   */
  parse(text: string | null | undefined, hint: string): JsonObject | undefined {
    if (typeof text !== 'string' || text === '') return undefined;
    const earlier = this.#remembered.get(hint);
    if (earlier && text.length >= this.#minChars) {
      let best: { from: Remembered; items: number } | undefined;
      for (const r of earlier) {
        const tailChars = r.text.length - r.close;
        if (text.length - tailChars < r.open || !sameRange(text, text.length - tailChars, r.text, r.close, tailChars))
          continue;
        const shared = sharedStart(r.text, text);
        if (shared < r.open) continue;
        const items = r.itemsWithin(Math.min(shared, text.length - tailChars));
        if (!best || items > best.items) best = { from: r, items };
      }
      const built = best && this.#fromEarlier(text, best.from, best.items);
      if (built) {
        this.#remember(
          hint,
          built,
          earlier.filter((r) => r !== best!.from),
        );
        return built.value;
      }
    }
    this.stats.whole++;
    this.stats.parsedChars += text.length;
    const value = parseOrUndefined(text);
    if (!isPlainObject(value)) return undefined;
    if (text.length >= this.#minChars) {
      const located = this.#locate(text, value);
      if (located) this.#remember(hint, located, earlier ?? []);
    }
    return value;
  }

  /** Characters of body text remembered (all hints). */
  get rememberedChars(): number {
    return this.#remembered.weight;
  }

  /** `text` from `from`'s first `items` items and members, parsing only its new items; undefined when it does not fit. */
  #fromEarlier(text: string, from: Remembered, items: number): Remembered | undefined {
    // the text from its list's `]` on is `from`'s (checked by the caller)
    const close = text.length - (from.text.length - from.close);
    let start = from.open;
    let separated = false;
    if (items > 0) {
      const end = from.ends[items - 1]!;
      if (end === close) start = close;
      else if (text.charCodeAt(end) === 0x2c /* , */) [start, separated] = [end + 1, true];
      else return undefined;
    }
    if (start > close) return undefined;
    const added = start === close ? [] : parseOrUndefined(`[${text.slice(start, close)}]`);
    // a `,` after the shared items needs an item after it
    if (!Array.isArray(added) || (separated && added.length === 0)) return undefined;
    this.stats.resent++;
    this.stats.parsedChars += close - start;
    this.stats.reusedItems += items;
    const list = from.list.slice(0, items);
    for (const item of added as JsonValue[]) list.push(item);
    const value: JsonObject = {};
    for (const key in from.value)
      if (Object.hasOwn(from.value, key)) value[key] = key === this.#listKey ? list : from.value[key]!;
    return new Remembered(text, value, list, from.open, close, from.ends.slice(0, items));
  }

  /**
   * Where a wholly parsed body's list is in its text: the members before it and after it
   * written back as `JSON.stringify` writes them must be the text's start and end. Otherwise
   * (another layout, a duplicate or `__proto__` member) the body is not remembered.
   */
  #locate(text: string, value: JsonObject): Remembered | undefined {
    const list = value[this.#listKey];
    if (!Array.isArray(list) || Object.hasOwn(value, '__proto__')) return undefined;
    const keys = Object.keys(value);
    const at = keys.indexOf(this.#listKey);
    const member = (k: string) => `${JSON.stringify(k)}:${JSON.stringify(value[k])}`;
    const head = `{${keys
      .slice(0, at)
      .map((k) => `${member(k)},`)
      .join('')}${JSON.stringify(this.#listKey)}:[`;
    const tail = `]${keys
      .slice(at + 1)
      .map((k) => `,${member(k)}`)
      .join('')}}`;
    if (
      head.length + tail.length > text.length ||
      !sameRange(text, 0, head, 0, head.length) ||
      !sameRange(text, text.length - tail.length, tail, 0, tail.length)
    )
      return undefined;
    return new Remembered(text, value, list, head.length, text.length - tail.length, []);
  }

  #remember(hint: string, body: Remembered, others: Remembered[]): void {
    this.#remembered.set(hint, [body, ...others.slice(0, this.#perHint - 1)]);
  }
}
