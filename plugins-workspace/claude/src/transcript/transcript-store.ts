import { dirname, isAbsolute, join } from 'node:path';
import { LruCache } from '@hypaware/core';
import { ProjectsIndex } from './projects-index.js';
import { TranscriptFile } from './transcript-file.js';
import type { TranscriptView } from './transcript-view.js';

const SAFE_ID = /^[A-Za-z0-9_-]+$/;

export interface TranscriptLookup {
  sessionId: string;
  /** the hook's `transcript_path` for the session, when known */
  transcriptPath?: string;
  /** sub-agent id: its transcript is `<session dir>/<session>/subagents/agent-<id>.jsonl` */
  agentId?: string;
}

/**
 * Finds and reads Claude Code transcripts: the hook's path first, the projects index
 * otherwise. Keeps the most recently used files (read incrementally) and forgets the rest.
 */
export class TranscriptStore {
  private readonly files: LruCache<string, TranscriptFile>;
  private readonly index: ProjectsIndex;

  constructor(projectsDir: string, maxFiles = 8) {
    this.index = new ProjectsIndex(projectsDir);
    this.files = new LruCache(maxFiles);
  }

  async find(lookup: TranscriptLookup): Promise<{ path: string; view: TranscriptView } | undefined> {
    const path = await this.pathFor(lookup);
    if (!path) return undefined;
    const view = await this.file(path).refresh();
    return view ? { path, view } : undefined;
  }

  private async pathFor(lookup: TranscriptLookup): Promise<string | undefined> {
    const main =
      lookup.transcriptPath && isAbsolute(lookup.transcriptPath)
        ? lookup.transcriptPath
        : await this.index.find(lookup.sessionId);
    if (!main || lookup.agentId === undefined) return main;
    if (!SAFE_ID.test(lookup.agentId) || !SAFE_ID.test(lookup.sessionId)) return undefined;
    return join(dirname(main), lookup.sessionId, 'subagents', `agent-${lookup.agentId}.jsonl`);
  }

  private file(path: string): TranscriptFile {
    const file = this.files.get(path) ?? new TranscriptFile(path);
    this.files.set(path, file);
    return file;
  }
}
