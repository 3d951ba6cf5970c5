// How `hyp` ends. Writes to a pipe are queued when the reader is slower than the writer, and
// process.exit() drops whatever is still queued, so the exit waits until stdout and stderr have
// handed every byte to the OS. A reader that leaves early (`hyp query sql ... | head -1`) is
// not an error: the rest of the output is dropped without a word and the command's own exit
// code stands.

/** Exit code when the output could not be written for another reason than a closed reader (EX_IOERR). */
const OUTPUT_FAILED = 74;
let outputFailure;

/** Route write errors of stdout and stderr here instead of crashing with a stack trace. */
export function quietOnClosedReader() {
  process.stdout.on('error', (err) => {
    if (err && err.code === 'EPIPE') return;
    if (outputFailure === undefined) {
      outputFailure = err && err.code ? err.code : String(err);
      process.stderr.write(`hyp: cannot write the output (${outputFailure})\n`);
    }
  });
  // nothing left to tell the user when stderr itself fails
  process.stderr.on('error', () => {});
}

/** Resolves once everything written to `stream` so far is with the OS, or the stream is gone. */
function written(stream) {
  return new Promise((resolve) => {
    if (stream.destroyed || stream.writableEnded) {
      resolve();
      return;
    }
    stream.once('close', resolve);
    // callbacks run in write order: this one runs after every earlier write has completed
    stream.write('', () => resolve());
  });
}

/** Set the exit code, let stdout and stderr drain, then exit. */
export function exitWhenWritten(code) {
  process.exitCode = code;
  Promise.all([written(process.stdout), written(process.stderr)]).then(() => {
    process.exit(outputFailure !== undefined && code === 0 ? OUTPUT_FAILED : code);
  });
}
