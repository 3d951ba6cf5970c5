/**
 * Chained upstreams: a user's own upstream (a company gateway, a custom provider) that attach
 * keeps instead of replacing. Attach registers it here and points the client at
 * `<gateway>/chain/<name>`; the proxy strips that prefix and forwards the rest to the chained
 * base URL, headers (and so the user's credentials) unchanged.
 *
 * The registry is one owner-only JSON file in the gateway's state folder, written by the CLI
 * (attach, detach) and read by the daemon when a request names a chain it does not know yet.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '@hypaware/core';
import type { ChainRequest, ChainedUpstream } from './api-types.js';
import { baseUrlProblem } from './config.js';

/** Every chained route starts with this path segment. */
export const CHAIN_PATH = '/chain/';
const FILE_NAME = 'chains.json';
const NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '::1', '[::1]', '0.0.0.0', '[::]']);

function portOf(url: URL): string {
  return url.port || (url.protocol === 'https:' ? '443' : '80');
}

/** The same listener: the same port on a loopback name (127.0.0.1 and localhost are one gateway). */
function sameGateway(a: URL, b: URL): boolean {
  if (portOf(a) !== portOf(b)) return false;
  const local = (u: URL) => LOOPBACK_NAMES.has(u.hostname) || u.hostname.startsWith('127.');
  return a.hostname === b.hostname || (local(a) && local(b));
}

function chainedUrl(endpoint: string, name: string): string {
  return `${endpoint.replace(/\/+$/, '')}${CHAIN_PATH}${name}`;
}

export interface ChainEntry {
  /** `<client>-<hash of base_url>`: a new base URL gets a new name */
  name: string;
  /** the user's upstream, e.g. `https://llm-gateway.example.com/team-a` */
  base_url: string;
  /** the client that attach chained (its registered name) */
  client: string;
  /** provider tag for projectors (as a preset's `provider`), if known */
  provider?: string;
  /** where attach found the URL, for `hyp status` (e.g. the settings file and key) */
  origin?: string;
  created_at: string;
}

export type { ChainRequest } from './api-types.js';

export function chainName(client: string, baseUrl: string): string {
  const slug =
    client
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40) || 'client';
  return `${slug}-${createHash('sha256').update(baseUrl).digest('hex').slice(0, 8)}`;
}

/** `/chain/<name>/rest?q` -> name and `/rest?q`; undefined when the path is not a chain route. */
export function splitChainTarget(target: string): { name: string; rest: string } | undefined {
  if (!target.startsWith(CHAIN_PATH)) return undefined;
  const after = target.slice(CHAIN_PATH.length);
  const end = after.search(/[/?]/);
  const name = end < 0 ? after : after.slice(0, end);
  if (!NAME.test(name)) return undefined;
  const rest = end < 0 ? '/' : after[end] === '?' ? `/${after.slice(end)}` : after.slice(end);
  return { name, rest };
}

function parseEntries(text: string): ChainEntry[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return [];
  }
  const list = (data as { chains?: unknown } | null)?.chains;
  if (!Array.isArray(list)) return [];
  return list.filter((e): e is ChainEntry => {
    const c = e as Partial<ChainEntry> | null;
    return (
      typeof c?.name === 'string' &&
      NAME.test(c.name) &&
      typeof c.base_url === 'string' &&
      baseUrlProblem(c.base_url) === undefined &&
      typeof c.client === 'string'
    );
  });
}

export class ChainStore {
  readonly #file: string;

  constructor(stateDir: string) {
    this.#file = join(stateDir, FILE_NAME);
  }

  get path(): string {
    return this.#file;
  }

  list(): ChainEntry[] {
    try {
      return parseEntries(readFileSync(this.#file, 'utf8'));
    } catch {
      return [];
    }
  }

  /** The same, without blocking (the daemon's event loop). */
  async listAsync(): Promise<ChainEntry[]> {
    try {
      return parseEntries(await readFile(this.#file, 'utf8'));
    } catch {
      return [];
    }
  }

  /** Register (or find) the chain for this upstream; throws TypeError for a base URL the gateway cannot use. */
  add(request: ChainRequest, now = new Date()): ChainEntry {
    const problem = baseUrlProblem(request.base_url);
    if (problem) throw new TypeError(`cannot chain ${request.client} to ${request.base_url}: ${problem}`);
    const name = chainName(request.client, request.base_url);
    const entries = this.list();
    const existing = entries.find((e) => e.name === name);
    if (existing) return existing;
    const entry: ChainEntry = {
      name,
      base_url: request.base_url,
      client: request.client,
      ...(request.provider ? { provider: request.provider } : {}),
      ...(request.origin ? { origin: request.origin } : {}),
      created_at: now.toISOString(),
    };
    this.#write([...entries, entry]);
    return entry;
  }

  /** `chainUpstream` of the capability: the client's new base URL, or undefined for this gateway itself. */
  chain(endpoint: string, request: ChainRequest, dryRun = false): string | undefined {
    const where = `cannot keep ${request.client}'s upstream ${JSON.stringify(request.base_url)}`;
    const problem = baseUrlProblem(request.base_url);
    if (problem) throw new TypeError(`${where}: ${problem}`);
    const url = new URL(request.base_url);
    if (sameGateway(url, new URL(endpoint))) {
      const chain = splitChainTarget(url.pathname);
      if (!chain) return undefined;
      if (!this.list().some((e) => e.name === chain.name))
        throw new TypeError(`${where}: it names a chained upstream this gateway does not know (${chain.name})`);
      return chainedUrl(endpoint, chain.name);
    }
    return chainedUrl(endpoint, dryRun ? chainName(request.client, request.base_url) : this.add(request).name);
  }

  /** The chained upstream a client base URL names, if it is registered. */
  chainOf(url: string): ChainedUpstream | undefined {
    let pathname: string;
    try {
      pathname = new URL(url).pathname;
    } catch {
      return undefined;
    }
    const name = splitChainTarget(pathname)?.name;
    const entry = name ? this.list().find((e) => e.name === name) : undefined;
    if (!entry) return undefined;
    const { created_at: _created, ...view } = entry;
    return view;
  }

  /** Forget the chains of one client (detach); returns how many were removed. */
  removeClient(client: string): number {
    const entries = this.list();
    const kept = entries.filter((e) => e.client !== client);
    if (kept.length !== entries.length) this.#write(kept);
    return entries.length - kept.length;
  }

  #write(entries: ChainEntry[]): void {
    writeFileAtomic(this.#file, JSON.stringify({ chains: entries }, null, 2) + '\n', { mode: 0o600 });
  }
}
