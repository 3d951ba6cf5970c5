export * from '@hypaware/core/library';
export * from '@hypaware/ai-gateway/library';
