// The `hypaware` package as a library. The kernel's part (hypaware-core/src/library.ts: HypError,
// startHypAware, openReadOnlyStore) and the gateway's (plugins-workspace/ai-gateway/src/history/
// library.ts: startGateway, openHistory, RECIPES, HISTORY_VIEWS) come from the bundled packages,
// so the CLI, the plugins and a library user share one copy of each.
export * from '@hypaware/core/library';
export * from '@hypaware/ai-gateway/library';
