import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { startNodeFlags } from '../bench/node-flags.ts';

/**
 * The server runs with a larger young generation (--max-semi-space-size=64: the assignment
 * benchmark's garbage collection fell from 15 % of the server's CPU), wherever it starts:
 * `npm start`, the Docker image and the benchmark's server children.
 */
describe('node flags of the server', () => {
  it('npm start, the Dockerfile and the benchmark run the server with the same flags', () => {
    const flags = startNodeFlags();
    expect(flags).toContain('--max-semi-space-size=64');
    const cmd = /^CMD (\[.*\])$/m.exec(readFileSync(new URL('../Dockerfile', import.meta.url), 'utf8'));
    expect(cmd).not.toBeNull();
    expect(JSON.parse(cmd![1])).toEqual(['node', ...flags, '--import', 'tsx', 'src/main.ts']);
  });
});
