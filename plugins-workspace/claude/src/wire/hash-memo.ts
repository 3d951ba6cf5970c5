import { sha256Hex } from './content-keys.js';

/**
 * sha256 of the strings one conversation's projections hash (its units' match keys): what the
 * previous projection hashed is looked up, not hashed again. Two generations: after a
 * projection, `rotate()`; a string the next one does not use is forgotten, so the memo holds
 * one request's keys at most.
 */
export class HashMemo {
  #previous = new Map<string, string>();
  #current = new Map<string, string>();

  sha256Hex(text: string): string {
    let hex = this.#current.get(text);
    if (hex === undefined) {
      hex = this.#previous.get(text) ?? sha256Hex(text);
      this.#current.set(text, hex);
    }
    return hex;
  }

  rotate(): void {
    this.#previous = this.#current;
    this.#current = new Map();
  }
}
