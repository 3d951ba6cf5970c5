import { HypError, isPlainObject, type JsonValue } from '@hypaware/core';
import type { JsonObjectLike } from './settings-file.js';

/**
 * The attach/detach edit of Claude Code's settings.json, as pure functions over the parsed
 * object. HypAware owns only: three `env` keys, its hook handlers, and the `_hypaware`
 * marker, which records the user's previous values and the containers attach created.
 */

const MARKER_KEY = '_hypaware';

const HOOK_EVENTS: ReadonlyArray<{ event: string; matcher?: string }> = [
  { event: 'SessionStart' },
  { event: 'CwdChanged' },
  { event: 'UserPromptSubmit' },
  { event: 'PostToolUse', matcher: 'Bash' },
  { event: 'SessionEnd' },
];

/**
 * Every form of HypAware's hook command: `NODE_EXTRA_CA_CERTS= <node> <plugin>/cjs/claude-hook
 * session-context ...` (now), `<node> <install>/bin/hyp.js claude-hook session-context ...`
 * (before), `[NODE_EXTRA_CA_CERTS= ]<HYPAWARE_BIN> claude-hook session-context ...`, v1 `--port`.
 */
const MANAGED_HOOK = /\bclaude-hook\s+session-context\b/;

export interface AttachMarker {
  version: string;
  attached_at: string;
  endpoint: string;
  state_file: string;
  hook_command: string;
  /** env values attach wrote */
  managed_env: Record<string, string>;
  /** the user's values of those keys before attach (absent keys are not listed) */
  previous_env: Record<string, unknown>;
  /** containers attach created: `env`, `hooks`, `hooks.<Event>` */
  created: string[];
}

export interface AttachOptions {
  /** the gateway's endpoint (recorded in the marker; stale-attach checks compare it) */
  endpoint: string;
  /** what ANTHROPIC_BASE_URL becomes: the endpoint, or a chained route under it */
  baseUrl: string;
  /**
   * Also write `_CLAUDE_CODE_ASSUME_FIRST_PARTY_BASE_URL=1`: only when the traffic goes on to the
   * public Anthropic API. With it, Claude Code (2.1.330) calls api.anthropic.com directly at every
   * start (GET /api/claude_code/settings and /api/claude_code/policy_limits, with the user's key,
   * up to 6 tries each): about 19 s where that host cannot be reached, and a company gateway's
   * credential would go to Anthropic. It does not control tool search or the 1M context window.
   */
  firstParty: boolean;
  stateFile: string;
  hookCommand: string;
  version: string;
  now: string;
}

export interface DetachResult {
  settings: JsonObjectLike;
  /** env keys put back to the user's value (or removed, value null) */
  restored: Record<string, unknown>;
  /** env keys changed by someone else since attach: left as they are */
  kept: string[];
}

const FIRST_PARTY_KEY = '_CLAUDE_CODE_ASSUME_FIRST_PARTY_BASE_URL';

function managedEnv(options: AttachOptions): Record<string, string> {
  return {
    ANTHROPIC_BASE_URL: options.baseUrl,
    ENABLE_TOOL_SEARCH: 'true',
    ...(options.firstParty ? { [FIRST_PARTY_KEY]: '1' } : {}),
  };
}

/** True for the public Anthropic API only (https://api.anthropic.com), the one place first-party mode belongs. */
export function isPublicAnthropicApi(baseUrl: string | undefined): boolean {
  if (!baseUrl) return false;
  try {
    const url = new URL(baseUrl);
    return url.protocol === 'https:' && url.hostname === 'api.anthropic.com';
  } catch {
    return false;
  }
}

/** The user's ANTHROPIC_BASE_URL before HypAware: from the marker when attached, else the file. */
export function userBaseUrl(settings: JsonObjectLike): { value: unknown; found: boolean } {
  const marker = readMarker(settings);
  if (marker)
    return { value: marker.previous_env.ANTHROPIC_BASE_URL, found: 'ANTHROPIC_BASE_URL' in marker.previous_env };
  const env = settings.env;
  if (!isPlainObject(env) || !('ANTHROPIC_BASE_URL' in env)) return { value: undefined, found: false };
  return { value: env.ANTHROPIC_BASE_URL, found: true };
}

function isManagedHandler(handler: unknown): boolean {
  return isPlainObject(handler) && typeof handler.command === 'string' && MANAGED_HOOK.test(handler.command);
}

/** The marker, if the file carries a well-formed one. */
export function readMarker(settings: JsonObjectLike): AttachMarker | undefined {
  const m = settings[MARKER_KEY];
  if (
    !isPlainObject(m) ||
    typeof m.endpoint !== 'string' ||
    !isPlainObject(m.managed_env) ||
    !isPlainObject(m.previous_env) ||
    !Array.isArray(m.created)
  )
    return undefined;
  return m as unknown as AttachMarker;
}

function objectAt(settings: JsonObjectLike, key: string, created: Set<string>): JsonObjectLike {
  const value = settings[key];
  if (value === undefined) {
    created.add(key);
    return (settings[key] = {});
  }
  if (!isPlainObject(value))
    throw new HypError(`settings.json: "${key}" is not an object; HypAware will not change it`, {
      kind: 'settings_unexpected_shape',
    });
  return value;
}

/** Drop HypAware's handlers everywhere; a group left with no handler is dropped too. */
function stripManagedHooks(hooks: JsonObjectLike): void {
  for (const [event, groups] of Object.entries(hooks)) {
    if (!Array.isArray(groups)) continue;
    hooks[event] = groups.flatMap((group) => {
      if (!isPlainObject(group) || !Array.isArray(group.hooks) || !group.hooks.some(isManagedHandler)) return [group];
      const rest = group.hooks.filter((h) => !isManagedHandler(h));
      return rest.length > 0 ? [{ ...group, hooks: rest }] : [];
    });
  }
}

export function applyAttach(
  settings: JsonObjectLike,
  options: AttachOptions,
): { settings: JsonObjectLike; marker: AttachMarker } {
  const next = structuredClone(settings);
  const old = readMarker(next);
  const created = new Set(old?.created ?? []);
  const previous: Record<string, unknown> = { ...old?.previous_env };
  const env = objectAt(next, 'env', created);
  const wanted = managedEnv(options);
  // a key an earlier attach managed and this one does not: give the user's value back
  for (const [key, value] of Object.entries(old?.managed_env ?? {})) {
    if (key in wanted || env[key] !== value) continue;
    if (key in previous) env[key] = previous[key];
    else delete env[key];
    delete previous[key];
  }
  for (const [key, value] of Object.entries(wanted)) {
    const current = env[key];
    const ours = old !== undefined && old.managed_env[key] !== undefined && current === old.managed_env[key];
    if (!ours) {
      if (current === undefined) delete previous[key];
      else previous[key] = current;
    }
    env[key] = value;
  }
  const hooks = objectAt(next, 'hooks', created);
  stripManagedHooks(hooks);
  for (const { event, matcher } of HOOK_EVENTS) {
    if (hooks[event] === undefined) {
      hooks[event] = [];
      created.add(`hooks.${event}`);
    }
    const groups = hooks[event];
    if (!Array.isArray(groups))
      throw new HypError(`settings.json: "hooks.${event}" is not a list; HypAware will not change it`, {
        kind: 'settings_unexpected_shape',
      });
    groups.push({ ...(matcher ? { matcher } : {}), hooks: [{ type: 'command', command: options.hookCommand }] });
  }
  const marker: AttachMarker = {
    version: options.version,
    attached_at: options.now,
    endpoint: options.endpoint,
    state_file: options.stateFile,
    hook_command: options.hookCommand,
    managed_env: wanted,
    previous_env: previous,
    created: [...created],
  };
  // nothing else changed: keep the first attach time so that attaching again is a no-op
  if (old && JSON.stringify({ ...old, attached_at: '' }) === JSON.stringify({ ...marker, attached_at: '' }))
    marker.attached_at = old.attached_at;
  next[MARKER_KEY] = marker;
  return { settings: next, marker };
}

/** Undo attach; undefined when the file carries no marker. */
export function applyDetach(settings: JsonObjectLike): DetachResult | undefined {
  const marker = readMarker(settings);
  if (!marker) return undefined;
  const next = structuredClone(settings);
  delete next[MARKER_KEY];
  const created = new Set(marker.created);
  const restored: Record<string, unknown> = {};
  const kept: string[] = [];
  const env = next.env;
  if (isPlainObject(env)) {
    for (const [key, value] of Object.entries(marker.managed_env)) {
      if (env[key] === undefined) continue;
      if (env[key] !== value) {
        kept.push(key);
      } else if (key in marker.previous_env) {
        // the marker was read from the same JSON file: its values are JSON
        env[key] = marker.previous_env[key] as JsonValue;
        restored[key] = marker.previous_env[key];
      } else {
        delete env[key];
        restored[key] = null;
      }
    }
    if (created.has('env') && Object.keys(env).length === 0) delete next.env;
  }
  const hooks = next.hooks;
  if (isPlainObject(hooks)) {
    stripManagedHooks(hooks);
    for (const { event } of HOOK_EVENTS) {
      const groups = hooks[event];
      if (created.has(`hooks.${event}`) && Array.isArray(groups) && groups.length === 0) delete hooks[event];
    }
    if (created.has('hooks') && Object.keys(hooks).length === 0) delete next.hooks;
  }
  return { settings: next, restored, kept };
}
