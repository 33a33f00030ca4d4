import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe } from 'vitest';

/** `../shared/fixtures`, next to the project checkout (see DEVELOPERS.md). */
export const fixturesDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../../shared/fixtures');

/**
 * A describe block over third-party fixtures: skipped visibly when `../shared` is absent
 * (a user's clone), but failing when CI is set, where the fixtures must be present.
 */
export function describeWithFixtures(name: string, subdir: string, body: (dir: string) => void): void {
  const dir = join(fixturesDir, subdir);
  if (existsSync(dir)) {
    describe(name, () => body(dir));
  } else if (process.env.CI) {
    describe(name, () => {
      throw new Error(`fixtures missing in CI: ${dir}`);
    });
  } else {
    describe.skip(`${name} (skipped: ${dir} not found)`, () => undefined);
  }
}
