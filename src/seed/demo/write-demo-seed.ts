import { writeFile } from 'node:fs/promises';
import { buildDemoSeed } from './build-demo-seed.ts';

/** Regenerates seed/demo-bundle.json and seed/demo-expectations.json: `npx tsx src/seed/demo/write-demo-seed.ts`. */
const { bundle, expectations } = buildDemoSeed();
const seedDir = new URL('../../../seed/', import.meta.url);
await writeFile(new URL('demo-bundle.json', seedDir), `${JSON.stringify(bundle, null, 2)}\n`);
await writeFile(new URL('demo-expectations.json', seedDir), `${JSON.stringify(expectations, null, 2)}\n`);
console.log(`wrote ${bundle.entry?.length ?? 0} resources and ${expectations.members.length} member expectations`);
