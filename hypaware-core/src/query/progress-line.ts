/** A one-line progress bar on a terminal, redrawn at most every 200 ms; nothing when not a TTY. */
export function progressLine(stream: NodeJS.WritableStream): {
  update(done: number, total: number, label: string): void;
  done(): void;
} {
  const tty = (stream as NodeJS.WriteStream).isTTY === true;
  let last = 0;
  let drawn = false;
  return {
    update(done, total, label) {
      if (!tty || (Date.now() - last < 200 && done < total)) return;
      last = Date.now();
      const width = 30;
      const filled = total === 0 ? width : Math.min(width, Math.round((done / total) * width));
      stream.write(
        `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')} ${label}\u001b[K`,
      );
      drawn = true;
    },
    done() {
      if (drawn) stream.write('\n');
      drawn = false;
    },
  };
}
