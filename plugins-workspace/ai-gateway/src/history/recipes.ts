/**
 * Queries people paste into `hyp query sql` first. docs/querying.md lists them (generated from
 * this list and checked against it) and a test runs every one of them.
 */
export interface Recipe {
  name: string;
  title: string;
  /** one sentence: what it answers, and anything to know to adapt it */
  note: string;
  sql: string;
}

export const RECIPES: Recipe[] = [
  {
    name: 'tokens_by_model',
    title: 'Tokens and cost by model, last 30 days',
    note: 'ai_responses has one row per model response with every token term already COALESCEd to 0 and its cost_usd (NULL for a model without a price: count them, sum() skips them).',
    sql: `SELECT provider, model, count(*) AS responses,
  sum(input_tokens) AS input, sum(cache_read_input_tokens) AS cache_read,
  sum(cache_creation_input_tokens) AS cache_write, sum(output_tokens) AS output,
  round(sum(cost_usd), 2) AS cost_usd, count(*) - count(cost_usd) AS unpriced
FROM ai_responses
WHERE date >= date('now', '-29 days')
GROUP BY provider, model
ORDER BY output DESC`,
  },
  {
    name: 'daily_cache_hits',
    title: 'Daily context size, output and prompt-cache hit rate, last 14 days',
    note: 'context_tokens = input + cache read + cache write: the prompt the model saw.',
    sql: `SELECT date, count(*) AS responses, sum(context_tokens) AS context, sum(output_tokens) AS output,
  round(100.0 * sum(cache_read_input_tokens) / NULLIF(sum(context_tokens), 0), 1) AS cache_hit_pct
FROM ai_responses
WHERE date >= date('now', '-13 days')
GROUP BY date
ORDER BY date DESC`,
  },
  {
    name: 'recent_sessions',
    title: 'Your 10 most recent sessions',
    note: 'ai_sessions reads the whole table; add WHERE on ai_gateway_messages.date in your own copy when the history is large.',
    sql: `SELECT session_id, client_name, model, cwd, first_message_at, last_message_at,
  messages, output_tokens, round(cost_usd, 2) AS cost_usd, billing, tool_calls, tool_errors
FROM ai_sessions
ORDER BY last_message_at DESC
LIMIT 10`,
  },
  {
    name: 'tools_by_repo',
    title: 'Which tools the agents call in which repo, last 30 days',
    note: 'A tool call is a part of type tool_call; its arguments are JSON in tool_args.',
    sql: `SELECT cwd, tool_name, count(*) AS calls
FROM ai_gateway_messages
WHERE part_type = 'tool_call' AND date >= date('now', '-29 days')
GROUP BY cwd, tool_name
ORDER BY calls DESC
LIMIT 20`,
  },
  {
    name: 'shell_commands',
    title: 'Shell commands the agents ran most',
    note: "json_extract reads JSON columns; Codex's shell takes an argv array, Claude's Bash a string.",
    sql: `SELECT tool_name, json_extract(tool_args, '$.command') AS command, count(*) AS runs
FROM ai_gateway_messages
WHERE part_type = 'tool_call' AND tool_name IN ('Bash', 'shell', 'exec_command', 'local_shell')
GROUP BY 1, 2
ORDER BY runs DESC
LIMIT 20`,
  },
  {
    name: 'files_edited',
    title: 'Files the agents edited most',
    note: "Claude's Edit, Write and MultiEdit carry the path in tool_args.file_path.",
    sql: `SELECT json_extract(tool_args, '$.file_path') AS file, count(*) AS edits, count(DISTINCT session_id) AS sessions
FROM ai_gateway_messages
WHERE part_type = 'tool_call' AND tool_name IN ('Edit', 'Write', 'MultiEdit', 'NotebookEdit')
GROUP BY file
ORDER BY edits DESC
LIMIT 20`,
  },
  {
    name: 'failing_tools',
    title: 'Tool calls that failed, by tool',
    note: 'A tool_result answers the call whose tool_call_id equals its tool_result_for.',
    sql: `SELECT c.tool_name, count(*) AS failures, max(r.message_created_at) AS last_failure
FROM ai_gateway_messages AS r
JOIN ai_gateway_messages AS c ON c.tool_call_id = r.tool_result_for AND c.part_type = 'tool_call'
WHERE r.part_type = 'tool_result' AND r.is_error = 1
GROUP BY c.tool_name
ORDER BY failures DESC`,
  },
  {
    name: 'search_text',
    title: 'Find where a word came up in the last 7 days',
    note: 'LIKE reads every row it is given: keep the date condition so it only reads a few days.',
    sql: `SELECT message_created_at, session_id, role, part_type, substr(content_text, 1, 160) AS excerpt
FROM ai_gateway_messages
WHERE date >= date('now', '-6 days') AND content_text LIKE '%error%'
ORDER BY message_created_at DESC
LIMIT 20`,
  },
  {
    name: 'replay_session',
    title: 'Replay the latest session, message by message',
    note: 'Put a session_id from recent_sessions in place of the subquery to read another one.',
    sql: `SELECT message_created_at, role, part_type, tool_name,
  substr(COALESCE(content_text, tool_args), 1, 200) AS text
FROM ai_gateway_messages
WHERE session_id = (SELECT session_id FROM ai_gateway_messages WHERE session_id IS NOT NULL ORDER BY message_created_at DESC LIMIT 1)
ORDER BY message_created_at, message_index, part_index`,
  },
  {
    name: 'exchanges_without_rows',
    title: 'Requests the gateway forwarded that produced no message rows, last 7 days',
    note: 'ai_gateway_exchanges has one row per HTTP exchange; skip_reason says why nothing was projected.',
    sql: `SELECT method, path, status_code, COALESCE(skip_reason, error, 'nothing new') AS reason, count(*) AS exchanges
FROM ai_gateway_exchanges
WHERE rows_written = 0 AND date >= date('now', '-6 days')
GROUP BY 1, 2, 3, 4
ORDER BY exchanges DESC
LIMIT 20`,
  },
];
