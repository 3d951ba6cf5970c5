/**
 * The config file's top-level `prices`, read from the file now: the daemon's price refresh
 * re-reads it each run, so an edited override applies without a restart (as retention does).
 */
import { readFileSync } from 'node:fs';
import { isPlainObject } from '@hypaware/core';
import { parsePriceOverrides, type ModelPrice } from './price-overrides.js';

/** Overrides in the config file at `configPath` (a missing file: none). Throws HypError on a bad file or entry. */
export function readPriceOverrides(configPath: string): Map<string, ModelPrice> {
  let text: string;
  try {
    text = readFileSync(configPath, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw err;
  }
  const parsed: unknown = JSON.parse(text);
  return parsePriceOverrides(isPlainObject(parsed) ? parsed.prices : undefined);
}
