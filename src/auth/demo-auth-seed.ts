import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AuthStore, AuthClient } from '../store/auth-store.ts';
import { hashSecret } from './passwords.ts';

const seedDir = join(dirname(fileURLToPath(import.meta.url)), '../../seed/auth');

interface DemoFile {
  users: { username: string; password: string; fhirUser?: string; organization?: string }[];
  clients: {
    client_id: string;
    name: string;
    type: AuthClient['clientType'];
    client_secret?: string;
    redirect_uris?: string[];
    scope: string;
    private_key_file?: string;
    organization?: string;
  }[];
}

export interface DemoAuthSeedOptions {
  env?: NodeJS.ProcessEnv;
  warn?: (message: string) => void;
}

/**
 * Whether the published demo credentials may be stored: never with NODE_ENV=production unless
 * ALLOW_DEMO_AUTH=true says so explicitly (a production image started with the default SEED=demo
 * would otherwise accept the passwords and keys printed in the README).
 */
export function demoAuthAllowed(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.NODE_ENV !== 'production' || env.ALLOW_DEMO_AUTH === 'true';
}

/**
 * DEMO ONLY: the clients and users of seed/auth/demo-auth.json, stored on first start (when
 * there are no clients and no users yet). Their secrets are published in the repository.
 */
export async function seedDemoAuth(store: AuthStore, options: DemoAuthSeedOptions = {}): Promise<boolean> {
  if (!demoAuthAllowed(options.env)) {
    (options.warn ?? ((m) => process.stderr.write(`${m}\n`)))(
      'SEED=demo with NODE_ENV=production: the demo SMART clients and users (published credentials) were NOT stored; set ALLOW_DEMO_AUTH=true to store them anyway',
    );
    return false;
  }
  if (!(await store.isEmpty())) return false;
  const demo = JSON.parse(readFileSync(join(seedDir, 'demo-auth.json'), 'utf8')) as DemoFile;
  const users = await Promise.all(
    demo.users.map(async (u) => ({ username: u.username, passwordHash: await hashSecret(u.password), fhirUser: u.fhirUser, organization: u.organization })),
  );
  const clients: AuthClient[] = await Promise.all(
    demo.clients.map(async (c) => {
      let jwks: AuthClient['jwks'];
      if (c.private_key_file) {
        const { d: _private, ...publicJwk } = JSON.parse(readFileSync(join(seedDir, c.private_key_file), 'utf8')) as Record<string, unknown>;
        jwks = { keys: [publicJwk] };
      }
      return {
        clientId: c.client_id,
        name: c.name,
        clientType: c.type,
        secretHash: c.client_secret ? await hashSecret(c.client_secret) : undefined,
        redirectUris: c.redirect_uris ?? [],
        scope: c.scope,
        jwks,
        organization: c.organization,
      };
    }),
  );
  return store.seedIfEmpty(async (tx) => {
    for (const u of users) await store.addUser(u, tx);
    for (const c of clients) await store.addClient(c, tx);
  });
}
