/** What the tables hold, in the words an agent needs to write SQL against them without the docs. */
export const TABLE_GUIDE = `The history is SQLite (read-only here). Tables and views:
- ai_gateway_messages: one row per content part of every message seen through the gateway. Key columns:
  session_id (client session; NULL for some clients: use COALESCE(session_id, conversation_id)), conversation_id,
  client_name ('claude', 'codex', ...), provider, model, cwd (the repo / working directory), git_branch,
  message_id, role ('user', 'assistant', 'system', 'tool'), part_type ('text', 'reasoning', 'tool_call',
  'tool_result', 'image', 'file', 'error', ...), content_text (the text of the part), tool_name, tool_call_id,
  tool_args (JSON arguments of a tool_call), tool_result_for (the call id a tool_result answers), is_error (1 when
  a tool result or part reports a failure), status (JSON: finish_reason, error_code, error_message),
  message_created_at (ISO-8601 UTC), date ('YYYY-MM-DD' UTC, indexed: filter on it for speed), is_sidechain /
  agent_id (sub-agent parts), input_tokens, cache_read_input_tokens, cache_creation_input_tokens, output_tokens,
  reasoning_tokens (set on one carrier row per model response), exchange_id.
- ai_responses (view): one row per model response with its token counts (never NULL) and finish_reason.
- ai_sessions (view): one row per session: client_name, model, cwd, first/last_message_at, messages, tokens,
  tool_calls, tool_errors (slow on big histories: prefer list_sessions).
- ai_gateway_exchanges: every raw HTTP exchange: ts_start, duration_ms, upstream, provider, method, path,
  status_code, error, aborted, is_sse, request/response bytes (bodies are gzip BLOBs: not for SQL).
Example: SELECT tool_name, count(*) FROM ai_gateway_messages WHERE date >= date('now','-7 days') AND
part_type = 'tool_call' GROUP BY 1 ORDER BY 2 DESC;`;
