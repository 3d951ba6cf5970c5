/** `@hypaware/ai-gateway`: the capability contract types, and the plugin entry points. */
export type * from './api-types.js';
export type * from './projector-module.js';
export { AI_GATEWAY_CAPABILITY, AI_GATEWAY_VERSION } from './api-types.js';
export { activate } from './plugin.js';
export { MCP_SERVER_NAME, hypMcpServerLaunch, isHypMcpServer } from './mcp-launch.js';
export { validateConfig } from './config.js';
export { tallyImportResult } from './import-tally.js';
export type { Overview, OverviewOptions, DayUsage, ModelUsage, MixedUsage } from './history/overview.js';
export type { TokenCounts } from './history/overview.js';
export type { Recipe } from './history/recipes.js';
