import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const dataDir = mkdtempSync(join(tmpdir(), 'ecm-fhir-main-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** Starts `src/main.ts` as `npm start` does, resolving once it prints the base URL. */
async function start(port: number): Promise<{ child: ChildProcess; stdout: () => string }> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.BASE_URL; // vitest sets BASE_URL=/ for Vite; the server must use its default
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { ...env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, DATABASE_URL: '', SEED: 'demo', LOG_LEVEL: 'info', AUTH_DISABLED: 'true', AUDIT: 'off', JOBS: 'off' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d) => (out += String(d)));
  child.stderr?.on('data', (d) => (out += String(d)));
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (out.includes('FHIR base URL:')) {
        clearInterval(timer);
        resolve();
      }
    }, 50);
    child.on('exit', (code) => {
      clearInterval(timer);
      reject(new Error(`server exited with ${code}: ${out}`));
    });
  });
  return { child, stdout: () => out };
}

function stop(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    child.on('exit', (code) => resolve(code));
    child.kill('SIGTERM');
  });
}

describe('npm start (src/main.ts) on embedded PGlite', () => {
  it('seeds once, keeps data across restarts, logs no patient data, and stops cleanly on SIGTERM', { timeout: 90_000 }, async () => {
    const port = await freePort();
    const base = `http://localhost:${port}/fhir`;
    const first = await start(port);
    expect(first.stdout()).toContain(`FHIR base URL: ${base}`);
    const member = await fetch(`http://127.0.0.1:${port}/fhir/Patient/demo-member-1`);
    expect(member.status).toBe(200);
    const created = await fetch(`http://127.0.0.1:${port}/fhir/Patient`, {
      method: 'POST',
      headers: { 'content-type': 'application/fhir+json' },
      body: JSON.stringify({ resourceType: 'Patient', name: [{ family: 'Secretname' }], identifier: [{ system: 'urn:cin', value: 'SECRET-CIN-42' }] }),
    });
    const id = ((await created.json()) as { id: string }).id;
    await fetch(`http://127.0.0.1:${port}/fhir/Patient?identifier=urn:cin|SECRET-CIN-42`);
    const total = ((await (await fetch(`http://127.0.0.1:${port}/fhir/_history?_count=0`)).json()) as { total: number }).total;
    expect(await stop(first.child)).toBe(0);
    expect(first.stdout()).not.toContain('Secretname');
    expect(first.stdout()).not.toContain('SECRET-CIN-42');
    expect(first.stdout()).toContain('shutting down');

    const second = await start(port);
    try {
      expect((await fetch(`http://127.0.0.1:${port}/fhir/Patient/${id}`)).status).toBe(200);
      const after = ((await (await fetch(`http://127.0.0.1:${port}/fhir/_history?_count=0`)).json()) as { total: number }).total;
      expect(after).toBe(total); // the demo seed was not loaded a second time
      expect(second.stdout()).not.toContain('demo data loaded');
    } finally {
      expect(await stop(second.child)).toBe(0);
    }
  });
});
