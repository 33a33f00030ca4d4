import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { wrapPglite } from '../../src/store/database.ts';
import { migrate } from '../../src/store/migrate.ts';

/**
 * PGlite's initdb takes seconds; every test file needs a fresh database. So run it (and the
 * migrations) once, dump the data directory, and let each test app start from the dump.
 */
export async function setup(): Promise<() => void> {
  if (process.env.TEST_DATABASE_URL) return () => undefined;
  const dir = mkdtempSync(join(tmpdir(), 'ecm-fhir-test-'));
  const raw = new PGlite();
  await migrate(await wrapPglite(raw));
  const dump = await raw.dumpDataDir('none');
  await raw.close();
  const file = join(dir, 'template.tar');
  writeFileSync(file, Buffer.from(await dump.arrayBuffer()));
  process.env.PGLITE_TEMPLATE = file;
  return () => rmSync(dir, { recursive: true, force: true });
}
