/** The search index of this HYP_HOME (in the plugin's state folder), indexing in the background. */
import { join } from 'node:path';
import type { ActivationContext, SqlDatabase } from '@hypaware/core';
import { errorMessage } from '@hypaware/core';
import { SearchIndex } from './history/search-index.js';

export function openSearchIndex(ctx: ActivationContext, history: SqlDatabase): SearchIndex | undefined {
  try {
    const index = new SearchIndex(join(ctx.paths.stateDir, 'search.db'), history);
    index.start();
    return index;
  } catch (err) {
    // search is an extra: without it the sessions list and every other page still work
    ctx.log.warn('ui.search_index_unavailable', { error: errorMessage(err) });
    return undefined;
  }
}
