import { AppendedLines } from '../util/appended-lines.js';
import { singleFlight } from '../util/single-flight.js';
import { parseTranscriptLine } from './transcript-entry.js';
import { TranscriptView } from './transcript-view.js';

/** One transcript file, read incrementally into a TranscriptView. */
export class TranscriptFile {
  private readonly source: AppendedLines;
  private view = new TranscriptView();
  private seq = 0;
  /** Read what was appended since the last call; undefined while the file does not exist. */
  readonly refresh = singleFlight(() => this.readNew());

  constructor(readonly path: string) {
    this.source = new AppendedLines(path);
  }

  private async readNew(): Promise<TranscriptView | undefined> {
    const { lines, reset, missing } = await this.source.read();
    if (reset) {
      this.view = new TranscriptView();
      this.seq = 0;
    }
    if (missing) return undefined;
    for (const line of lines) {
      const entry = parseTranscriptLine(line, this.seq++);
      if (entry) this.view.add(entry);
    }
    return this.view;
  }
}
