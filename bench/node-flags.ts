import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The node flags `npm start` gives the server (package.json "start": `node <flags> --import tsx
 * src/main.ts`), so that the benchmark's children run as a deployed server does; the Dockerfile's
 * CMD carries the same (tests/node-flags.test.ts).
 */
export function startNodeFlags(packageJson = fileURLToPath(new URL('../package.json', import.meta.url))): string[] {
  const start = (JSON.parse(readFileSync(packageJson, 'utf8')) as { scripts: Record<string, string> }).scripts.start;
  const match = /^node((?: --[\w-]+(?:=\S+)?)*) --import tsx src\/main\.ts$/.exec(start);
  if (!match) throw new Error(`package.json "start" is not "node [flags] --import tsx src/main.ts": ${start}`);
  return match[1].split(' ').filter((f) => f !== '');
}
