/**
 * The re-sent body parser: whatever the texts, its answer is JSON.parse's (same values, same
 * member order, undefined where JSON.parse throws or gives no object), and for an agent's
 * growing history it parses only what a turn added.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ResentJsonParser } from '@hypaware/core';

function oracle(text: string): unknown {
  try {
    const v: unknown = JSON.parse(text);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

function assertSameAsParse(parser: ResentJsonParser, text: string, hint: string, what: string): unknown {
  const expected = oracle(text);
  const got = parser.parse(text, hint);
  assert.deepStrictEqual(got, expected, what);
  // deepStrictEqual ignores member order; JSON.stringify does not
  assert.equal(JSON.stringify(got), JSON.stringify(expected), `${what}: member order`);
  return got;
}

/** A small deterministic generator (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = [
  'hi',
  'ls -la',
  'a "quoted" word',
  'tab\there',
  'line\nbreak',
  'ünïcödé ✓',
  '\u2028',
  '😀',
  'back\\slash',
];

function randomValue(r: () => number, depth: number): unknown {
  const pick = r();
  if (depth > 2 || pick < 0.3) return WORDS[Math.floor(r() * WORDS.length)];
  if (pick < 0.4) return Math.floor(r() * 2000) - 1000;
  if (pick < 0.45) return r() < 0.5 ? null : r() < 0.5;
  if (pick < 0.5) return r() * 10;
  if (pick < 0.7) return Array.from({ length: Math.floor(r() * 4) }, () => randomValue(r, depth + 1));
  const o: Record<string, unknown> = {};
  for (let i = Math.floor(r() * 4); i > 0; i--) o[`k${Math.floor(r() * 6)}`] = randomValue(r, depth + 1);
  return o;
}

function message(r: () => number, n: number): unknown {
  return {
    role: n % 2 === 0 ? 'user' : 'assistant',
    content: [{ type: 'text', text: `turn ${n}` }, randomValue(r, 1)],
  };
}

function body(head: Record<string, unknown>, messages: unknown[], tail: Record<string, unknown>): string {
  return JSON.stringify({ ...head, messages, ...tail });
}

/** A texts' change that may make it invalid JSON or change its meaning. */
function damage(r: () => number, text: string): string {
  const at = 1 + Math.floor(r() * (text.length - 2));
  switch (Math.floor(r() * 6)) {
    case 0:
      return `${text.slice(0, at)}${text.slice(at + 1)}`; // a character dropped
    case 1:
      return `${text.slice(0, at)},${text.slice(at)}`; // a stray comma
    case 2:
      return text.replace('],', ',],'); // a trailing comma in the list
    case 3:
      return text.replace('}]', '} ]'); // whitespace before the list's end
    case 4:
      return `${text.slice(0, -1)},"messages":[]}`; // a duplicate list member after it
    default:
      return text.replace(/(\d)([,}\]])/, '$1.0$2'); // a number spelled as JSON.stringify would not
  }
}

test('random growing histories, edits and damaged texts: every answer is JSON.parse', () => {
  for (let seed = 1; seed <= 12; seed++) {
    const r = rng(seed);
    const parser = new ResentJsonParser({ listKey: 'messages', minChars: 64, perHint: 2 });
    const conversations = Array.from({ length: 3 }, (_, c) => ({
      head: { model: `m${c}`, ...(r() < 0.5 ? { temperature: 1 } : {}) } as Record<string, unknown>,
      messages: [] as unknown[],
      tail: { system: `you are ${c}`, tools: [{ name: 'Bash', schema: randomValue(r, 1) }], stream: true } as Record<
        string,
        unknown
      >,
    }));
    for (let step = 0; step < 250; step++) {
      const c = conversations[Math.floor(r() * (r() < 0.8 ? 1 : 3))]!;
      const roll = r();
      if (roll < 0.6) for (let k = 1 + Math.floor(r() * 3); k > 0; k--) c.messages.push(message(r, c.messages.length));
      else if (roll < 0.7 && c.messages.length > 0)
        c.messages[Math.floor(r() * c.messages.length)] = message(r, 1000 + step); // an earlier message changed (a moved cache marker)
      else if (roll < 0.75) c.tail.stream = r() < 0.5;
      else if (roll < 0.78) c.head.model = `m${step}`;
      else if (roll < 0.8) c.messages = c.messages.slice(0, Math.floor(r() * c.messages.length)); // compacted
      let text = body(c.head, c.messages, c.tail);
      if (r() < 0.15) text = damage(r, text);
      const hint = r() < 0.9 ? 'session' : 'other';
      assertSameAsParse(parser, text, hint, `seed ${seed} step ${step}: ${text.slice(0, 120)}`);
    }
    assert.ok(parser.stats.resent > 50, `seed ${seed}: bodies were built from earlier ones (${parser.stats.resent})`);
    assert.ok(parser.stats.reusedItems > 500, `seed ${seed}: items were reused (${parser.stats.reusedItems})`);
  }
});

test('a turn reuses the earlier parse of the history it re-sends and parses only the rest', () => {
  const parser = new ResentJsonParser({ listKey: 'messages', minChars: 0 });
  const history = [
    { role: 'user', content: 'first' },
    { role: 'assistant', content: [{ type: 'text', text: 'reply' }] },
  ];
  const tail = { system: 'x'.repeat(5000), tools: [{ name: 'Bash' }] };
  const first = parser.parse(body({ model: 'm' }, history, tail), 's') as { messages: unknown[]; tools: unknown };
  const next = [...history, { role: 'user', content: 'second' }];
  const text = body({ model: 'm' }, next, tail);
  const parsedBefore = parser.stats.parsedChars;
  const second = assertSameAsParse(parser, text, 's', 'second turn') as { messages: unknown[]; tools: unknown };
  assert.equal(second.messages[0], first.messages[0], 'the re-sent message is the earlier object');
  assert.equal(second.messages[1], first.messages[1]);
  assert.equal(second.tools, first.tools, 'members after the list are the earlier ones');
  assert.equal(
    parser.stats.parsedChars - parsedBefore,
    JSON.stringify(next[2]).length,
    'only the new message was parsed',
  );
  // the same text again (a re-check) parses nothing
  const again = parser.parse(text, 's') as { messages: unknown[] };
  assert.equal(again.messages[2], second.messages[2]);
  assert.equal(parser.stats.parsedChars - parsedBefore, JSON.stringify(next[2]).length);
});

test('texts that look re-sent but are not valid JSON are refused as JSON.parse refuses them', () => {
  const parser = new ResentJsonParser({ listKey: 'messages', minChars: 0 });
  const base = body(
    { model: 'm' },
    [
      { role: 'user', content: 'a' },
      { role: 'user', content: 'b' },
    ],
    { stream: true },
  );
  parser.parse(base, 's');
  for (const text of [
    base.replace('"b"}]', '"b"},]'), // a comma and no item after it
    base.replace('"b"}]', '"b"},,{"role":"user"}]'),
    base.replace('"b"}]', '"b"} {"role":"user"}]'), // no comma between items
    base.replace('"b"}]', '"b"}]]'),
  ]) {
    assert.equal(oracle(text), undefined, `the fixture is invalid: ${text}`);
    assert.equal(parser.parse(text, 's'), undefined, text);
    parser.parse(base, 's');
  }
  // valid, and not a re-send: the list member again after the list (JSON.parse keeps the last)
  assertSameAsParse(parser, base.replace('"b"}]', '"b"}],"messages":[1]'), 's', 'a second list member');
  assertSameAsParse(parser, base.replace('"b"}]', '"b"}],"messages":[{"role":"user","content":"b"}]'), 's', 'again');
  assert.equal(parser.parse('[1,2]', 's'), undefined, 'a list is not an object');
  assert.equal(parser.parse('', 's'), undefined);
});

test('a duplicate list member or a pretty-printed body is parsed whole, with the same answer', () => {
  const parser = new ResentJsonParser({ listKey: 'messages', minChars: 0 });
  const one = '{"messages":[{"role":"user","content":"a"}],"messages":[{"role":"user","content":"b"}],"x":1}';
  assertSameAsParse(parser, one, 's', 'duplicate');
  assertSameAsParse(parser, one.replace('"x":1', '"x":2'), 's', 'duplicate, next');
  assertSameAsParse(parser, one.replace('"b"}]', '"b"},{"role":"assistant","content":"c"}]'), 's', 'duplicate, grown');
  const pretty = JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'a' }] }, null, 2);
  assertSameAsParse(parser, pretty, 'p', 'pretty');
  const grown = JSON.stringify(
    {
      model: 'm',
      messages: [
        { role: 'user', content: 'a' },
        { role: 'assistant', content: 'b' },
      ],
    },
    null,
    2,
  );
  assertSameAsParse(parser, grown, 'p', 'pretty, grown');
  const proto = '{"__proto__":{"polluted":1},"messages":[{"role":"user","content":"a"}]}';
  const got = assertSameAsParse(parser, proto, 'q', '__proto__ member') as Record<string, unknown>;
  assert.ok(Object.hasOwn(got, '__proto__'), 'an own member, as JSON.parse makes it');
  const grownProto = proto.replace('"a"}]', '"a"},{"role":"user","content":"b"}]');
  const next = assertSameAsParse(parser, grownProto, 'q', '__proto__ member, grown') as Record<string, unknown>;
  assert.ok(Object.hasOwn(next, '__proto__'));
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

test('what is remembered stays within its character budget', () => {
  const parser = new ResentJsonParser({ listKey: 'messages', minChars: 0, maxChars: 50_000, perHint: 2 });
  for (let i = 0; i < 40; i++)
    parser.parse(body({ model: 'm' }, [{ role: 'user', content: `${i} ${'y'.repeat(4000)}` }], {}), `h${i}`);
  assert.ok(parser.rememberedChars <= 50_000 + 4100, `remembered ${parser.rememberedChars}`);
  assert.ok(parser.rememberedChars > 40_000, 'it does remember up to the budget');
});

test('a member before the list that changed (same length) is read from the new text', () => {
  const parser = new ResentJsonParser({ listKey: 'messages', minChars: 0 });
  const messages = [{ role: 'user', content: 'a' }];
  parser.parse(body({ model: 'm1' }, messages, { stream: true }), 's');
  const got = assertSameAsParse(
    parser,
    body({ model: 'm2' }, [...messages, messages[0]], { stream: true }),
    's',
    'head',
  );
  assert.equal((got as { model: string }).model, 'm2');
  const tail = assertSameAsParse(parser, body({ model: 'm2' }, messages, { stream: false }), 's', 'tail');
  assert.equal((tail as { stream: boolean }).stream, false);
});
