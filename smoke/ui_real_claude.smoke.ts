// `hyp ui` in real headless Chromium after a real Claude Code run through the gateway: a plain
// prompt carrying a `<script>` tag, and a prompt the fake upstream answers with a Read tool
// call on notes.txt (Claude Code reads the file and sends its content back). The overview draws
// its chart, the sessions page lists both sessions, the replay of the tool session shows the
// prompt, the Read call with its file_path, the file's content as its result and the final
// answer; the `<script>` stays text; a request naming another Host is refused. Screenshots go
// to $HYP_UI_SCREENSHOTS (default: a folder under the test temp dir, printed as a diagnostic).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { claudeEnv, startAttachedDaemon } from '../harness/attached-claude.js';
import { runHyp } from '../harness/daemon.js';
import { startFakeAnthropic } from '../harness/fake-anthropic.js';
import { launchChromium, startHypUi } from '../harness/hyp-ui.js';
import { realClient, runClient } from '../harness/real-clients.js';
import { tempDir } from '../harness/repo.js';
import { waitFor } from '../harness/wait.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const TOOL_PROMPT = 'Read notes.txt and tell me the launch word.';
const PLAIN_PROMPT = 'Say hello. <script>window.__hypInjected = 1</script>';
const NOTES = 'HypAware smoke notes\nthe launch word is marmalade-7\n';
const FINAL_ANSWER = 'The launch word in notes.txt is marmalade-7.';
const MODEL = 'claude-sonnet-4-5-20250929';

function rawGet(url: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { host } }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('hyp ui shows a real Claude Code run in Chromium', { timeout: 900_000 }, async (t) => {
  const client = await realClient('claude');
  if ('why' in client) {
    t.skip(client.why);
    return;
  }
  const home = realpathSync(tempDir('hyp-smoke-ui-'));
  const work = join(home, 'work');
  mkdirSync(join(work, '.git'), { recursive: true });
  writeFileSync(join(work, '.git', 'HEAD'), 'ref: refs/heads/ui-smoke\n');
  writeFileSync(join(work, 'notes.txt'), NOTES);
  const fake = await startFakeAnthropic((req) => {
    const body = JSON.stringify(req.body ?? {});
    if (body.includes('"tool_result"')) return { blocks: [{ type: 'text', text: FINAL_ANSWER }] };
    if (body.includes(TOOL_PROMPT))
      return {
        blocks: [
          { type: 'text', text: 'Reading the notes.' },
          { type: 'tool_use', id: '', name: 'Read', input: { file_path: join(work, 'notes.txt') } },
        ],
      };
    return {
      blocks: [
        { type: 'text', text: 'Hello! You sent `<script>` as **text**: <script>window.__hypInjected = 2</script>' },
      ],
    };
  });
  t.after(() => fake.close());
  const daemon = await startAttachedDaemon(fake.url, home);
  t.after(() => daemon.stop());

  const env = claudeEnv(home);
  const claude = async (args: string[]): Promise<Json> => {
    const r = await runClient(client.bin, args, { env, cwd: work, timeoutMs: 120_000 });
    assert.equal(r.code, 0, `claude ${args.join(' ')} failed: ${r.stderr.slice(-2000)} ${r.stdout.slice(-2000)}`);
    return JSON.parse(r.stdout) as Json;
  };
  // a model the shipped price table knows, so the pages show a cost
  const plain = await claude(['-p', PLAIN_PROMPT, '--output-format', 'json', '--model', MODEL]);
  const tool = await claude(['-p', TOOL_PROMPT, '--output-format', 'json', '--model', MODEL, '--allowedTools', 'Read']);
  assert.equal(tool.result, FINAL_ANSWER, 'Claude Code ran Read and sent the result back');

  const db = await daemon.waitForDb();
  t.after(() => db.close());
  await waitFor(
    () =>
      db
        .prepare(`SELECT 1 FROM ai_gateway_messages WHERE session_id = ? AND role = 'assistant' AND content_text = ?`)
        .get(String(tool.session_id), FINAL_ANSWER) !== undefined || undefined,
    'the final answer of the tool session is in the table',
    20_000,
  );

  const ui = await startHypUi(daemon.hypHome);
  t.after(() => ui.stop());
  const shots = process.env.HYP_UI_SCREENSHOTS ?? tempDir('hyp-ui-screenshots-');
  mkdirSync(shots, { recursive: true });
  t.diagnostic(`screenshots in ${shots}`);

  const browser = await launchChromium();
  t.after(() => browser.close());
  const page = await browser.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (err) => pageErrors.push(err.message));

  // the daemon prices a model within seconds of its first usage row (not at its minute's
  // check), so the page shows the cost without anything else having run
  await waitFor(
    () =>
      db.prepare('SELECT 1 FROM ai_model_prices WHERE model = ? AND source IS NOT NULL').get(MODEL) !== undefined ||
      undefined,
    'the daemon priced the model',
    20_000,
  );
  const cli = await runHyp(['query', 'overview', '--json'], { hypHome: daemon.hypHome, env: { HOME: home } });
  assert.equal(cli.code, 0, cli.stderr);
  const totals = (JSON.parse(cli.stdout) as Json).totals as Json;

  // overview: the chart is drawn, the latest sessions are listed
  await page.goto(ui.url);
  await page.locator('.chart canvas').first().waitFor({ timeout: 15_000 });
  await page.getByText('Latest sessions').waitFor();
  const stat = async (label: string) =>
    Number(await page.locator('.stat', { hasText: label }).first().getAttribute('data-value'));
  assert.equal(totals.sessions, 2);
  assert.ok(totals.estimated_cost_usd > 0, 'the model is priced');
  for (const [label, key] of [
    ['sessions', 'sessions'],
    ['messages', 'messages'],
    ['responses', 'responses'],
    ['output tokens', 'output_tokens'],
    ['est. cost', 'estimated_cost_usd'],
  ])
    assert.equal(await stat(label), totals[key], `the overview's ${label} equal hyp query overview`);
  await page.screenshot({ path: join(shots, 'overview.png'), fullPage: true });

  // sessions: both, by their first prompt
  await page.goto(`${ui.url}#/sessions`);
  const rows = page.locator('table.sessions tbody tr');
  await rows.first().waitFor();
  assert.equal(await rows.count(), 2);
  const listed = await page.locator('table.sessions').innerText();
  assert.match(listed, /Read notes\.txt and tell me the launch word\./);
  assert.match(listed, /Say hello\. <script>/);
  await page.screenshot({ path: join(shots, 'sessions.png'), fullPage: true });
  // full-text search: a word only the Read result and the answer hold
  await page.locator('input[name=q]').fill('marmalade');
  await page.getByRole('button', { name: 'Apply' }).click();
  await waitFor(async () => ((await rows.count()) === 1 ? true : undefined), 'one session matches', 15_000);
  assert.match(await rows.first().innerText(), /Read notes\.txt/);
  await page.goto(`${ui.url}#/sessions`);
  await rows.nth(1).waitFor();

  // replay of the tool session: prompt, the Read call with its arguments, its result, the answer
  await page.locator('table.sessions a', { hasText: 'Read notes.txt' }).click();
  const call = page.locator('.tool-call', { hasText: 'Read' });
  await call.waitFor({ timeout: 15_000 });
  await page.screenshot({ path: join(shots, 'replay.png'), fullPage: true });
  assert.match(await call.locator('.tool-name').innerText(), /^Read$/);
  assert.match(await call.locator('pre.args').innerText(), /"file_path": ".*\/work\/notes\.txt"/);
  const result = page.locator('.tool-result', { hasText: 'marmalade-7' });
  assert.equal(await result.count(), 1, 'the Read result shows the file content');
  assert.match(await result.innerText(), /HypAware smoke notes/);
  // textContent: messages out of view are not laid out (content-visibility), so innerText leaves them out
  const conversation = (await page.locator('.conversation').textContent()) ?? '';
  assert.ok(conversation.includes(TOOL_PROMPT), 'the prompt');
  assert.ok(conversation.includes(FINAL_ANSWER), 'the final answer');
  assert.ok(
    conversation.indexOf(TOOL_PROMPT) < conversation.indexOf('Reading the notes.') &&
      conversation.indexOf('Reading the notes.') < conversation.indexOf(FINAL_ANSWER),
    'in order',
  );

  // replay of the plain session: the `<script>` of the prompt and of the answer are text
  await page.goto(`${ui.url}#/session/${encodeURIComponent(String(plain.session_id))}`);
  await page.locator('.msg.role-assistant', { hasText: 'Hello!' }).waitFor({ timeout: 15_000 });
  const plainText = (await page.locator('.conversation').textContent()) ?? '';
  assert.ok(plainText.includes('<script>window.__hypInjected = 1</script>'), 'the prompt shows its tag as text');
  assert.ok(plainText.includes('<script>window.__hypInjected = 2</script>'), 'the answer shows its tag as text');
  assert.equal(await page.locator('.conversation script').count(), 0, 'no script element from message text');
  assert.equal(await page.evaluate(() => (globalThis as { __hypInjected?: number }).__hypInjected), undefined);
  await page.screenshot({ path: join(shots, 'replay-script.png'), fullPage: true });
  assert.deepEqual(pageErrors, [], 'no script errors in the page');

  // the raw exchanges of the tool session, one of them opened: its SSE events are listed
  await page.goto(`${ui.url}#/exchanges?session=${encodeURIComponent(String(tool.session_id))}`);
  const exchangeRows = page.locator('table.grid tbody tr');
  await exchangeRows.first().waitFor();
  const sessionExchanges = db
    .prepare(
      `SELECT count(DISTINCT exchange_id) AS n FROM ai_gateway_messages WHERE session_id = ? AND exchange_id IS NOT NULL`,
    )
    .get(String(tool.session_id)) as { n: number };
  assert.equal(await exchangeRows.count(), sessionExchanges.n);
  await page.screenshot({ path: join(shots, 'exchanges.png'), fullPage: true });
  await exchangeRows.first().locator('a').first().click();
  await page.locator('ol.events li').first().waitFor({ timeout: 15_000 });
  assert.match((await page.locator('ol.events').textContent()) ?? '', /message_start/);
  await page.screenshot({ path: join(shots, 'exchange.png'), fullPage: true });
  assert.match((await page.locator('table.headers').first().textContent()) ?? '', /x-api-key/);
  assert.doesNotMatch((await page.content()) ?? '', /HYPSMOKE0000notARealKey/, 'the key is redacted');

  // upstreams: the anthropic upstream with its requests, as hyp status counts them
  const anthropic = db.prepare(`SELECT count(*) AS n FROM ai_gateway_exchanges WHERE upstream = 'anthropic'`).get() as {
    n: number;
  };
  await page.goto(`${ui.url}#/upstreams`);
  const upstreamRow = page.locator('table.grid tbody tr', { hasText: 'anthropic' }).first();
  await upstreamRow.waitFor();
  assert.match(await upstreamRow.innerText(), new RegExp(`\\b${anthropic.n}\\b`));
  await page.screenshot({ path: join(shots, 'upstreams.png'), fullPage: true });
  const status = await runHyp(['status'], { hypHome: daemon.hypHome, env: { HOME: home } });
  assert.match(
    status.stdout,
    new RegExp(`Upstreams \\(last hour\\):\\n  anthropic: ${anthropic.n} requests, 0 errors \\(0\\.0%\\)`),
  );

  // SQL: a recipe one click away, a write refused
  await page.goto(`${ui.url}#/sql`);
  await page.locator('.recipes button').first().waitFor();
  await page.locator('.recipes button', { hasText: 'Tokens and cost by model' }).click();
  await page.locator('table.grid thead th', { hasText: 'responses' }).waitFor();
  await page.screenshot({ path: join(shots, 'sql.png'), fullPage: true });
  await page.locator('textarea.sql').fill('DELETE FROM ai_gateway_messages');
  await page.getByRole('button', { name: /Run/ }).click();
  await page.locator('.error-line', { hasText: 'read-only' }).waitFor();

  // DNS rebinding: a request naming another host is refused, the right one answered
  const evil = await rawGet(`${ui.url}api/version`, 'evil.example');
  assert.equal(evil.status, 421, evil.body);
  assert.match(evil.body, /refused/);
  const own = await rawGet(`${ui.url}api/version`, new URL(ui.url).host);
  assert.equal(own.status, 200, own.body);
});
