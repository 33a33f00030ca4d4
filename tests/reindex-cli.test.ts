import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { systemAccess } from '../src/auth/access-context.ts';
import { buildApp } from '../src/http/app.ts';
import type { ServerConfig } from '../src/config.ts';

/** `npm run reindex [-- Type]` (src/reindex-cli.ts) on an embedded database in a data directory. */
const dataDir = mkdtempSync(join(tmpdir(), 'ecm-fhir-reindex-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const config: ServerConfig = {
  port: 0, host: '127.0.0.1', baseUrl: 'http://localhost:8080/fhir', dataDir, seed: 'none', logLevel: 'silent',
  bodyLimit: 1024 * 1024, maxPageSize: 100, defaultPageSize: 20, authDisabled: true,
};

async function withApp<T>(fn: (app: Awaited<ReturnType<typeof buildApp>>) => Promise<T>): Promise<T> {
  const app = await buildApp(config);
  try {
    return await fn(app);
  } finally {
    await app.close();
  }
}

function reindex(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, DATABASE_URL: '', SEED: 'none', JOBS: 'off' };
  delete env.BASE_URL; // vitest sets BASE_URL=/ for Vite; the CLI must use its default
  return promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/reindex-cli.ts', ...args], { env });
}

describe('reindex CLI', () => {
  it('rebuilds lost index rows of every type, or of one type; an unknown type exits 2', { timeout: 60_000 }, async () => {
    const found = (app: Awaited<ReturnType<typeof buildApp>>) =>
      app.fhir.repo.search(systemAccess, { resourceType: 'Patient', criteria: [{ kind: 'string', param: 'family', mode: 'start', values: ['reindex'] }], count: 10, offset: 0 });
    await withApp(async (app) => {
      await app.fhir.repo.write(systemAccess, [{ kind: 'create', resource: { resourceType: 'Patient', id: 'ri-1', name: [{ family: 'Reindex' }] } }]);
      await app.database.query("DELETE FROM search_string WHERE resource_type = 'Patient'");
      expect((await found(app)).resources).toHaveLength(0);
    });
    const all = await reindex();
    expect(all.stdout).toMatch(/reindexed [1-9]\d* resources/);
    await withApp(async (app) => expect((await found(app)).resources.map((r) => r.id)).toEqual(['ri-1']));

    await withApp((app) => app.database.query("DELETE FROM search_string WHERE resource_type = 'Patient'"));
    expect((await reindex('Observation')).stdout).toMatch(/reindexed 0 resources/);
    await withApp(async (app) => expect((await found(app)).resources).toHaveLength(0));
    expect((await reindex('Patient')).stdout).toMatch(/reindexed 1 resources/);
    await withApp(async (app) => expect((await found(app)).resources).toHaveLength(1));

    await expect(reindex('NotAType')).rejects.toMatchObject({ code: 2 });
  });
});
