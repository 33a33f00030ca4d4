/**
 * The protocol between bench/run.ts and its server children: the child starts, sends
 * `{ ready: port }` (or `{ failed: message }`) over IPC, and closes cleanly (so `--cpu-prof`
 * can write its profile) on SIGTERM, SIGINT or when the parent goes away.
 */
export type ChildMessage = { ready: number } | { failed: string };

export async function serveChild(name: string, start: () => Promise<{ port: number; close: () => Promise<void> }>): Promise<void> {
  let close: (() => Promise<void>) | undefined;
  let stopping = false;
  const stop = (code: number) => {
    if (stopping) return;
    stopping = true;
    // Never hang: a close that does not finish in 5 s ends with a plain exit.
    setTimeout(() => process.exit(code), 5000).unref();
    (close ? close() : Promise.resolve()).then(
      () => process.exit(code),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', () => stop(0));
  process.on('SIGINT', () => stop(0));
  process.on('disconnect', () => stop(0));
  try {
    const started = await start();
    close = started.close;
    if (stopping) return; // asked to stop while starting: stop() already runs
    send({ ready: started.port });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`[bench ${name}] failed to start: ${message}\n`);
    send({ failed: message });
    process.exit(1);
  }
}

function send(message: ChildMessage): void {
  if (process.send) process.send(message);
}
