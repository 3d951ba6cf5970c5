/** Which rows of `ai_gateway_messages` carry usage, and the session key: SQL shared by the views, the overview and the price table. */

/** Usage columns, for a row alias (`m.`) or none. */
function usageTerms(alias: string): string[] {
  return [
    'input_tokens',
    'cache_read_input_tokens',
    'cache_creation_input_tokens',
    'output_tokens',
    'reasoning_tokens',
  ].map((c) => `${alias}${c}`);
}

/** A row carries usage when any usage term is set (one carrier row per model response). */
export function carrierCondition(alias = ''): string {
  const [a, b, c, d, e] = usageTerms(alias);
  return `(${a} IS NOT NULL OR ${b} IS NOT NULL OR ${c} IS NOT NULL
    OR ${d} IS NOT NULL OR ${e} IS NOT NULL)`;
}

export function sessionKey(alias = ''): string {
  return `COALESCE(${alias}session_id, ${alias}conversation_id)`;
}
