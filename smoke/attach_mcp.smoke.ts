// `hyp claude attach --mcp` / `hyp codex attach --mcp` against a running daemon: the MCP server
// entry lands in ~/.claude.json `mcpServers` and in config.toml `[mcp_servers.hypaware]` next
// to the user's own servers, the command it names really serves the history's tools (the MCP
// SDK client starts it), attach without --mcp leaves MCP settings alone, and detach gives back
// the user's files byte for byte.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { parse as parseToml } from 'smol-toml';
import { runHyp, startDaemon } from '../harness/daemon.js';
import { tempDir } from '../harness/repo.js';

/** TOML tables as plain objects (smol-toml's have no prototype). */
const parse = (text: string): unknown => JSON.parse(JSON.stringify(parseToml(text)));

interface ServerEntry {
  command: string;
  args: string[];
  env: Record<string, string>;
}

const CLAUDE_JSON =
  JSON.stringify(
    { numStartups: 3, mcpServers: { other: { type: 'stdio', command: 'other-server', args: [] } } },
    null,
    2,
  ) + '\n';

const CODEX_TOML = `# my codex config
model = "gpt-5"

[mcp_servers.other]
command = "other-server"
`;

async function toolsOf(entry: ServerEntry): Promise<string[]> {
  const client = new Client({ name: 'hyp-attach-test', version: '1.0.0' });
  await client.connect(
    new StdioClientTransport({
      command: entry.command,
      args: entry.args,
      env: { ...(process.env as Record<string, string>), ...entry.env },
      stderr: 'pipe',
    }),
  );
  try {
    return (await client.listTools()).tools.map((t) => t.name).sort();
  } finally {
    await client.close();
  }
}

test(
  'attach --mcp registers hyp mcp serve with Claude Code and Codex; detach removes it',
  { timeout: 120_000 },
  async (t) => {
    const daemon = await startDaemon();
    t.after(() => daemon.stop());
    const home = tempDir('hyp-smoke-attach-mcp-');
    const codexHome = join(home, '.codex');
    mkdirSync(codexHome, { recursive: true });
    const claudeJson = join(home, '.claude.json');
    const codexToml = join(codexHome, 'config.toml');
    writeFileSync(claudeJson, CLAUDE_JSON);
    writeFileSync(codexToml, CODEX_TOML);
    const hyp = async (...args: string[]) => {
      const r = await runHyp(args, { hypHome: daemon.hypHome, env: { HOME: home, CODEX_HOME: codexHome } });
      assert.equal(r.code, 0, `hyp ${args.join(' ')}: ${r.stderr}`);
      return r.stdout;
    };

    // Claude Code
    await hyp('claude', 'attach');
    assert.equal(readFileSync(claudeJson, 'utf8'), CLAUDE_JSON, 'attach without --mcp leaves ~/.claude.json alone');
    assert.match(await hyp('claude', 'attach', '--mcp'), /MCP server "hypaware" \(hyp mcp serve\) registered/);
    const claudeServers = (JSON.parse(readFileSync(claudeJson, 'utf8')) as { mcpServers: Record<string, ServerEntry> })
      .mcpServers;
    assert.deepEqual(Object.keys(claudeServers).sort(), ['hypaware', 'other']);
    assert.deepEqual(claudeServers.hypaware!.args.slice(-2), ['mcp', 'serve']);
    assert.deepEqual(claudeServers.hypaware!.env, { HYP_HOME: daemon.hypHome });
    assert.deepEqual(await toolsOf(claudeServers.hypaware!), ['get_session', 'list_sessions', 'overview', 'query_sql']);
    const once = readFileSync(claudeJson, 'utf8');
    await hyp('claude', 'attach', '--mcp');
    assert.equal(readFileSync(claudeJson, 'utf8'), once, 'attach --mcp twice changes nothing');
    assert.match(await hyp('claude', 'detach'), /removed the MCP server "hypaware"/);
    assert.equal(readFileSync(claudeJson, 'utf8'), CLAUDE_JSON, 'detach gives back the file');

    // Codex
    assert.match(await hyp('codex', 'attach', '--mcp'), /MCP server "hypaware"/);
    const attached = readFileSync(codexToml, 'utf8');
    const codexServers = (parse(attached) as unknown as { mcp_servers: Record<string, ServerEntry> }).mcp_servers;
    assert.deepEqual(Object.keys(codexServers).sort(), ['hypaware', 'other']);
    assert.deepEqual(codexServers.hypaware!.env, { HYP_HOME: daemon.hypHome });
    assert.deepEqual(await toolsOf(codexServers.hypaware!), ['get_session', 'list_sessions', 'overview', 'query_sql']);
    await hyp('codex', 'attach');
    assert.deepEqual(
      (parse(readFileSync(codexToml, 'utf8')) as unknown as { mcp_servers: Record<string, ServerEntry> }).mcp_servers
        .hypaware,
      codexServers.hypaware,
      'attach without --mcp leaves the MCP server alone',
    );
    assert.match(await hyp('codex', 'detach'), /removed the HypAware MCP server/);
    assert.equal(readFileSync(codexToml, 'utf8'), CODEX_TOML, 'detach gives back the file');
    // a user's own server named hypaware is refused, not replaced
    writeFileSync(codexToml, `${CODEX_TOML}\n[mcp_servers.hypaware]\ncommand = "mine"\n`);
    const refused = await runHyp(['codex', 'attach', '--mcp'], {
      hypHome: daemon.hypHome,
      env: { HOME: home, CODEX_HOME: codexHome },
    });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /already has \[mcp_servers\.hypaware\] that is not HypAware's/);
    assert.doesNotMatch(refused.stderr, /\n\s+at /);
  },
);
