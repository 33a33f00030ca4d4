/**
 * bench/server.ts (the FHIR server child, unchanged) with a CPU profile of a chosen window: when
 * BENCH_ASSIGN_PROFILE_FILE is set, SIGUSR2 starts V8's sampling profiler and the next SIGUSR2
 * stops it and writes the profile there (`.cpuprofile` JSON, written to a temporary name first so
 * the parent never reads half a file). Only that window pays the profiler's overhead.
 */
import { renameSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';

const file = process.env.BENCH_ASSIGN_PROFILE_FILE;
if (file) {
  const session = new Session();
  session.connect();
  let running = false;
  let queue: Promise<unknown> = Promise.resolve();
  process.on('SIGUSR2', () => {
    queue = queue
      .then(async () => {
        if (!running) {
          await session.post('Profiler.enable');
          await session.post('Profiler.start');
          running = true;
          return;
        }
        const { profile } = await session.post('Profiler.stop');
        running = false;
        writeFileSync(`${file}.tmp`, JSON.stringify(profile));
        renameSync(`${file}.tmp`, file);
      })
      .catch((err: unknown) => {
        process.stderr.write(`[bench assign server] profiler: ${String(err)}\n`);
      });
  });
}

await import('../server.ts');
