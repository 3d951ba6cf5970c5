/** A daemon config whose gateway listens on an ephemeral loopback port and routes to the given fake upstreams. */
export function fakeUpstreamsConfig(fakes: { anthropic?: { url: string }; openai?: { url: string } }): {
  plugins: Record<string, Record<string, unknown>>;
} {
  const upstreams: Array<Record<string, string>> = [];
  if (fakes.anthropic)
    upstreams.push({
      name: 'anthropic',
      base_url: fakes.anthropic.url,
      path_prefix: '/v1/messages',
      provider: 'anthropic',
    });
  if (fakes.openai)
    upstreams.push({ name: 'openai', base_url: fakes.openai.url, path_prefix: '/v1', provider: 'openai' });
  return { plugins: { '@hypaware/ai-gateway': { listen: '127.0.0.1:0', upstreams } } };
}
