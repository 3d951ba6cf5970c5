/**
 * The writer alone (bench/writer-phase.ts) on three request shapes, back to back: the throughput
 * traffic's (~20 KB, a 1.5 KB system prompt, one tool), ~150 KB bodies with that small prompt,
 * and a Claude-Code-sized one (~150 KB bodies, a 20 KB system prompt, 20 tools of 1.5 KB;
 * Anthropic only for both). Reports CPU and heap bytes allocated per exchange, bytes written
 * and database bytes per exchange, and how many of them are the `system_text`/`tools` copies the
 * schema puts on every message row: what storing them once per request would save.
 *
 *   node build/bench/writer-shapes.js [--exchanges 2000]
 */
import { writerPhaseInChild } from './writer-phase.js';

const i = process.argv.indexOf('--exchanges');
const exchanges = i < 0 ? 2000 : Number(process.argv[i + 1]);
if (!Number.isInteger(exchanges) || exchanges < 64) throw new Error('--exchanges needs an integer >= 64');

const shapes = [
  { name: 'bench traffic (~20 KB)', bodyBytes: 20_000, traffic: {} },
  { name: '~150 KB bodies, small prompt and tools', bodyBytes: 150_000, traffic: { anthropicOnly: true } },
  {
    name: 'Claude-Code-sized (~150 KB)',
    bodyBytes: 150_000,
    traffic: { systemChars: 20_000, tools: 20, toolChars: 1500, anthropicOnly: true },
  },
];
for (const shape of shapes) {
  const f = await writerPhaseInChild({ exchanges, bodyBytes: shape.bodyBytes, traffic: shape.traffic });
  console.log(
    JSON.stringify({
      shape: shape.name,
      thread_cpu_us_per_exchange: f.thread_cpu_us_per_exchange,
      other_cpu_us_per_exchange: f.other_cpu_us_per_exchange,
      exchanges_per_cpu_s: f.exchanges_per_cpu_s,
      rows_per_exchange: Math.round((f.message_rows / (exchanges + 256)) * 100) / 100,
      allocated_kb_per_exchange: f.allocated_kb_per_exchange,
      written_bytes_per_exchange: f.written_bytes_per_exchange,
      db_bytes_per_exchange: f.db_bytes_per_exchange,
      request_copies_bytes_per_exchange: f.request_copies_bytes_per_exchange,
      retried_batches: f.retried_batches,
    }),
  );
}
