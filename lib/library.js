// The `hypaware` package as a library (see hypaware-core/src/library.ts). The kernel is the
// bundled @hypaware/core package, so the CLI, the plugins and a library user share one copy.
export * from '@hypaware/core/library';
