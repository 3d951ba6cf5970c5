import type { JsonObject } from '@hypaware/core';
import { headerValue, type HeaderMap } from './headers.js';
import { firstString } from '../util/json.js';

/** Who sent a Messages request: Claude Code session, sub-agent and build, from headers and metadata. */
export interface ClientIdentity {
  session_id?: string;
  agent_id?: string;
  parent_agent_id?: string;
  /** Anthropic account uuid (empty for API-key users) */
  account_uuid?: string;
  device_id?: string;
  client_version?: string;
  /** `external`, from `claude-cli/<ver> (external, cli)` */
  user_type?: string;
  /** `cli`, `sdk-cli`, `claude-vscode`, ... */
  entrypoint?: string;
  is_claude_code: boolean;
}

interface UserIdParts {
  session_id?: string;
  account_uuid?: string;
  device_id?: string;
}

const LEGACY_USER_ID = /^user_([0-9a-f]*)_account_([0-9a-f-]*)_session_([0-9a-f-]+)$/i;
const USER_AGENT = /^claude-cli\/([^\s/]+)(?:\s*\(([^)]*)\))?/i;

function nonEmpty(v: unknown): string | undefined {
  return firstString(typeof v === 'string' ? v.trim() : undefined);
}

function withDefined(parts: {
  session_id?: string | undefined;
  account_uuid?: string | undefined;
  device_id?: string | undefined;
}): UserIdParts {
  const out: UserIdParts = {};
  if (parts.session_id) out.session_id = parts.session_id;
  if (parts.account_uuid) out.account_uuid = parts.account_uuid;
  if (parts.device_id) out.device_id = parts.device_id;
  return out;
}

/**
 * `metadata.user_id`: up to Claude Code 2.1.77 `user_<hex>_account_<uuid>_session_<uuid>`,
 * since 2.1.78 a JSON string `{"device_id","account_uuid","session_id"}` (an object is accepted too).
 */
export function parseUserId(value: unknown): UserIdParts {
  let obj: unknown = value;
  if (typeof value === 'string') {
    const legacy = LEGACY_USER_ID.exec(value.trim());
    if (legacy)
      return withDefined({
        device_id: nonEmpty(legacy[1]),
        account_uuid: nonEmpty(legacy[2]),
        session_id: nonEmpty(legacy[3]),
      });
    if (!value.trim().startsWith('{')) return {};
    try {
      obj = JSON.parse(value);
    } catch {
      return {};
    }
  }
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return {};
  const o = obj as Record<string, unknown>;
  return withDefined({
    session_id: nonEmpty(o.session_id),
    account_uuid: nonEmpty(o.account_uuid),
    device_id: nonEmpty(o.device_id),
  });
}

export function clientIdentity(
  headers: HeaderMap | null | undefined,
  metadata: JsonObject | undefined,
): ClientIdentity {
  const fromMetadata = parseUserId(metadata?.user_id);
  const id: ClientIdentity = { is_claude_code: false, ...fromMetadata };
  const sessionHeader = headerValue(headers, 'x-claude-code-session-id');
  if (sessionHeader) id.session_id = sessionHeader;
  const agent = headerValue(headers, 'x-claude-code-agent-id');
  if (agent) id.agent_id = agent;
  const parentAgent = headerValue(headers, 'x-claude-code-parent-agent-id');
  if (parentAgent) id.parent_agent_id = parentAgent;
  const ua = USER_AGENT.exec(headerValue(headers, 'user-agent') ?? '');
  if (ua) {
    id.is_claude_code = true;
    id.client_version = ua[1]!;
    const [userType, entrypoint] = (ua[2] ?? '').split(',').map((s) => s.trim());
    if (userType) id.user_type = userType;
    if (entrypoint) id.entrypoint = entrypoint;
  }
  return id;
}
