import type { TranscriptEntry } from './transcript-entry.js';

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** The lines of one transcript file, indexed for identity matching. */
export class TranscriptView {
  private readonly byUuid = new Map<string, TranscriptEntry>();
  private readonly byUnitKey = new Map<string, TranscriptEntry[]>();
  /** lines holding several blocks (the format of older Claude Code builds), by each block key */
  private readonly byBlockKey = new Map<string, TranscriptEntry[]>();
  private readonly lastOfMessage = new Map<string, TranscriptEntry>();
  private last: TranscriptEntry | undefined;

  add(entry: TranscriptEntry): void {
    this.byUuid.set(entry.uuid, entry);
    if (!entry.unitKey) return;
    this.last = entry;
    push(this.byUnitKey, entry.unitKey, entry);
    if (entry.blockKeys.length > 1) for (const key of entry.blockKeys) push(this.byBlockKey, key, entry);
    if (entry.messageId) this.lastOfMessage.set(entry.messageId, entry);
  }

  get(uuid: string): TranscriptEntry | undefined {
    return this.byUuid.get(uuid);
  }

  /** message lines whose whole content has this key, in file order */
  unitCandidates(key: string): readonly TranscriptEntry[] {
    return this.byUnitKey.get(key) ?? [];
  }

  /** multi-block message lines that contain a block with this key, in file order */
  blockCandidates(key: string): readonly TranscriptEntry[] {
    return this.byBlockKey.get(key) ?? [];
  }

  /** the last line written for an Anthropic message id (the one that carries its usage) */
  lastLineOf(messageId: string): TranscriptEntry | undefined {
    return this.lastOfMessage.get(messageId);
  }

  /** newest message line (its cwd and branch describe the session now) */
  latest(): TranscriptEntry | undefined {
    return this.last;
  }

  /** true when `entry` descends from `ancestorUuid` within `maxSteps` parent links */
  descendsFrom(entry: TranscriptEntry, ancestorUuid: string, maxSteps = 256): boolean {
    let parent = entry.parentUuid;
    for (let step = 0; parent !== undefined && step < maxSteps; step++) {
      if (parent === ancestorUuid) return true;
      parent = this.byUuid.get(parent)?.parentUuid;
    }
    return false;
  }
}
