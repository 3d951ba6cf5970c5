/**
 * The exact versions of the real clients the smokes install from the npm registry: the one
 * place to change them. Exact versions only (no ranges, no tags): `@anthropic-ai/claude-code`
 * without a version resolves to an older `latest` on some registries, and a new release must
 * not change what the tests run without a commit.
 * Claude Code 2.1.330 declares `engines.node >=22` but runs on Node 20 (npm prints EBADENGINE).
 */
export const REAL_CLIENT_PACKAGES = {
  claude: { package: '@anthropic-ai/claude-code', version: '2.1.330', bin: 'claude' },
  codex: { package: '@openai/codex', version: '0.169.0', bin: 'codex' },
} as const;

export type RealClientName = keyof typeof REAL_CLIENT_PACKAGES;
