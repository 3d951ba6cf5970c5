/**
 * The set-up of a real Claude Code run through the gateway: a daemon whose `anthropic` upstream
 * is a fake on loopback, `hyp claude attach` into a temporary HOME, and the environment that
 * makes Claude Code use that HOME's settings (no base URL or token from the caller's env).
 */
import assert from 'node:assert/strict';
import { runHyp, startDaemon, type DaemonHandle } from './daemon.js';

export async function startAttachedDaemon(upstreamUrl: string, home: string): Promise<DaemonHandle> {
  const daemon = await startDaemon({
    config: {
      plugins: {
        '@hypaware/ai-gateway': {
          listen: '127.0.0.1:0',
          upstreams: [{ name: 'anthropic', base_url: upstreamUrl, path_prefix: '/v1/messages', provider: 'anthropic' }],
        },
      },
    },
    env: { HOME: home },
  });
  const attach = await runHyp(['claude', 'attach'], { hypHome: daemon.hypHome, env: { HOME: home } });
  if (attach.code !== 0) await daemon.stop();
  assert.equal(attach.code, 0, attach.stderr);
  return daemon;
}

export function claudeEnv(home: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: home,
    ANTHROPIC_API_KEY: 'sk-ant-api03-HYPSMOKE0000notARealKey',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    NO_COLOR: '1',
  };
  for (const key of ['ANTHROPIC_BASE_URL', 'ANTHROPIC_AUTH_TOKEN', 'CLAUDE_CONFIG_DIR']) delete env[key];
  return env;
}
