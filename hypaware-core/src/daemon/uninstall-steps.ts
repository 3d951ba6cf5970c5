/** Runs the plugins' uninstall steps (`registerUninstallStep`): each one, whatever the others do. */
import { errorMessage } from '../errors.js';
import type { RegisteredUninstallStep } from '../kernel/boot.js';
import type { UninstallIO } from '../plugin-api.js';

/** Returns one line per failed step (also written to `io.stderr`). */
export async function runUninstallSteps(steps: RegisteredUninstallStep[], io: UninstallIO): Promise<string[]> {
  const failures: string[] = [];
  for (const step of steps) {
    try {
      await step.run(io);
    } catch (err) {
      const line = `uninstall step "${step.name}" of ${step.plugin} failed: ${errorMessage(err).split('\n')[0]}`;
      failures.push(line);
      io.stderr.write(`hyp: ${line}\n`);
    }
  }
  return failures;
}
