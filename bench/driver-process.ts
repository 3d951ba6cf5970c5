/**
 * The load driver in its own process (forked with IPC): runs one task per message
 * `{ id, task }` and answers `{ id, result }` or `{ id, error }`. Exits when the parent disconnects.
 */
import { closeDispatchers, runTask, type Task } from './load-tasks.js';

process.on('message', (msg: { id: number; task: Task }) => {
  runTask(msg.task).then(
    (result) => process.send?.({ id: msg.id, result }),
    (err: unknown) => process.send?.({ id: msg.id, error: err instanceof Error ? err.message : String(err) }),
  );
});
process.on('disconnect', () => {
  void closeDispatchers().then(() => process.exit(0));
});
