/**
 * What the benchmark must undo however it ends: child processes (each in a
 * process group of its own) and databases. Tasks run newest first, so a
 * server stops before the database under it is dropped.
 */
type Task = { what: string; run: () => Promise<void> };

const tasks: Task[] = [];
/** Set once cleaning up began: what starts after that is undone at once. */
let closing: Promise<void> | null = null;

/** Registers `run` to be done at the end; the answer removes it (for a task already done). */
export function atExit(what: string, run: () => Promise<void>): () => void {
  const task = { what, run };
  tasks.push(task);
  // Something that finished starting while the run was being stopped.
  if (closing) void closing.then(drain);
  return () => {
    const at = tasks.indexOf(task);
    if (at >= 0) tasks.splice(at, 1);
  };
}

/** Whether the run is being stopped (a signal, or the end). */
export const isClosing = (): boolean => closing !== null;

async function drain(): Promise<void> {
  for (let task = tasks.pop(); task; task = tasks.pop()) {
    try {
      await task.run();
    } catch (error) {
      console.error(`cleanup: could not ${task.what}: ${String(error)}`);
    }
  }
}

/**
 * Runs every registered task once, newest first; one that fails does not
 * stop the others. From then on, errors of work still under way (a
 * connection to a database being dropped) are reported, never fatal.
 */
export function cleanUp(): Promise<void> {
  if (!closing) {
    process.on('uncaughtException', (error) => console.error(`while stopping: ${String(error)}`));
    closing = drain();
  }
  return closing.then(drain);
}

/** On SIGINT or SIGTERM: clean up, then leave with 130 / 143. */
export function cleanUpOnSignals(): void {
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    process.once(signal, () => {
      console.error(`\n${signal}: stopping the servers and dropping the databases…`);
      void cleanUp().finally(() => process.exit(code));
    });
  }
}
