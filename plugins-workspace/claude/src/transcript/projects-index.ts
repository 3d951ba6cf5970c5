import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Session id -> transcript path for `<config dir>/projects/<encoded cwd>/<session>.jsonl`,
 * built asynchronously and refreshed at most every `minIntervalMs`; a project folder whose
 * mtime did not change is not listed again. Used only when no hook record names the file.
 */
export class ProjectsIndex {
  private readonly sessions = new Map<string, string>();
  private readonly dirMtimes = new Map<string, number>();
  private lastScanAt = Number.NEGATIVE_INFINITY;
  private lastScan: Promise<void> = Promise.resolve();

  constructor(
    readonly projectsDir: string,
    private readonly minIntervalMs = 2000,
    private readonly now: () => number = Date.now,
  ) {}

  async find(sessionId: string): Promise<string | undefined> {
    const known = this.sessions.get(sessionId);
    if (known) return known;
    await this.refresh();
    return this.sessions.get(sessionId);
  }

  /** Rescan unless a scan started less than `minIntervalMs` ago (then wait for that one). */
  private refresh(): Promise<void> {
    if (this.now() - this.lastScanAt >= this.minIntervalMs) {
      this.lastScanAt = this.now();
      this.lastScan = this.scan();
    }
    return this.lastScan;
  }

  private async scan(): Promise<void> {
    let projects;
    try {
      projects = await readdir(this.projectsDir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const project of projects) {
      if (!project.isDirectory()) continue;
      const dir = join(this.projectsDir, project.name);
      try {
        const { mtimeMs } = await stat(dir);
        if (this.dirMtimes.get(dir) === mtimeMs) continue;
        for (const name of await readdir(dir)) {
          if (name.endsWith('.jsonl')) this.sessions.set(name.slice(0, -'.jsonl'.length), join(dir, name));
        }
        this.dirMtimes.set(dir, mtimeMs);
      } catch {
        // the folder went away while listing: skip it
      }
    }
  }
}
