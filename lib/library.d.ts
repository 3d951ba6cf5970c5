export * from '@hypaware/core/library';
