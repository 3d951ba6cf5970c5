/** The gateway's datasets that the query, export and retention code reads by name. */
export const MESSAGES_DATASET = 'ai_gateway_messages';
export const EXCHANGES_DATASET = 'ai_gateway_exchanges';
