/** `@hypaware/postgres`: the plugin entry points, and the shipper for the bench and tests. */
export { activate } from './plugin.js';
export { validateConfig } from './config.js';
