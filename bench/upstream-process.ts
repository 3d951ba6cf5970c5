/**
 * The benchmark's fake upstream in its own process (forked with IPC): Anthropic Messages and
 * OpenAI Responses, JSON and SSE, driven by the `x-fake` header (harness/fake-upstream.ts).
 * Sends `{ port }` to the parent when listening; exits when the parent disconnects.
 */
import { startFakeUpstream } from '../harness/fake-upstream.js';

const upstream = await startFakeUpstream({ record: false });
process.send?.({ port: upstream.port });
process.on('disconnect', () => {
  void upstream.close().then(() => process.exit(0));
});
