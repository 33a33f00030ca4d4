import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { ChildMessage } from './child-lifecycle.ts';
import { startNodeFlags } from './node-flags.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface Child {
  name: string;
  pid: number;
  port: number;
  url: string;
  /** False once the process has exited (for whatever reason). */
  alive(): boolean;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. Idempotent. */
  stop(graceMs?: number): Promise<void>;
}

/** A free loopback port (the child binds it right after; the race is harmless on a quiet machine). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Starts `node [npm start's flags] [nodeArgs] --import tsx bench/<script>` with its own event loop, on a free port,
 * and waits (at most `startTimeoutMs`) for it to report ready. `env` adds to (or overrides) the
 * inherited environment.
 */
export async function startChild(
  name: string,
  script: string,
  databaseUrl: string,
  options: { nodeArgs?: string[]; startTimeoutMs?: number; env?: Record<string, string> } = {},
): Promise<Child> {
  const port = await freePort();
  const proc = spawn(process.execPath, [...startNodeFlags(), ...(options.nodeArgs ?? []), '--import', 'tsx', `bench/${script}`], {
    cwd: ROOT,
    // Children's output goes to our stderr: stdout carries the summary.
    stdio: ['ignore', 2, 2, 'ipc'],
    env: { ...process.env, ...options.env, BENCH_SERVER_DATABASE_URL: databaseUrl, BENCH_SERVER_PORT: String(port) },
  });
  const exited = new Promise<void>((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) resolve();
    else proc.once('exit', () => resolve());
  });
  let stopping: Promise<void> | undefined;
  const stop = (graceMs = 8000): Promise<void> => {
    stopping ??= (async () => {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    })();
    return stopping;
  };
  try {
    await waitReady(name, proc, options.startTimeoutMs ?? 60_000);
  } catch (err) {
    await stop(2000);
    throw err;
  }
  const alive = () => proc.exitCode === null && proc.signalCode === null;
  return { name, pid: proc.pid ?? -1, port, url: `http://127.0.0.1:${port}`, alive, stop };
}

function waitReady(name: string, proc: ChildProcess, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (err?: Error) => {
      clearTimeout(timer);
      proc.off('message', onMessage);
      proc.off('exit', onExit);
      proc.off('error', onError);
      if (err) reject(err);
      else resolve();
    };
    const onMessage = (m: ChildMessage) => {
      if ('ready' in m) done();
      else done(new Error(`${name} failed to start: ${m.failed}`));
    };
    const onExit = (code: number | null, signal: string | null) => done(new Error(`${name} exited during start (code ${code}, signal ${signal})`));
    const onError = (err: Error) => done(new Error(`${name} could not be spawned: ${err.message}`));
    const timer = setTimeout(() => done(new Error(`${name} did not report ready within ${timeoutMs / 1000} s`)), timeoutMs);
    proc.on('message', onMessage);
    proc.on('exit', onExit);
    proc.on('error', onError);
  });
}
