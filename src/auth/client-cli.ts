/**
 * Client registration from the command line (the admin API's twin, for operators without an
 * ADMIN_TOKEN), plus a client-assertion helper for trying SMART Backend Services with curl.
 *
 *   tsx src/auth/client-cli.ts add --type public --scope "launch/patient patient/*.rs" --redirect-uri https://app.example.org/cb [--id ID] [--name NAME] [--organization ORG]
 *   tsx src/auth/client-cli.ts add --type confidential-asymmetric --scope "system/*.rs" --jwks-file keys.json | --jwks-uri URL
 *   tsx src/auth/client-cli.ts list
 *   tsx src/auth/client-cli.ts remove --id ID
 *   tsx src/auth/client-cli.ts assertion --client demo-backend --key seed/auth/demo-backend-private-key.DEMO-ONLY.jwk.json [--token-url URL]
 *
 * Uses the server's database settings (DATABASE_URL or DATA_DIR; README "Configuration"). An
 * embedded PGlite directory is single-process: stop the server first, or use the admin API.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { importJWK, SignJWT, type CryptoKey, type JWK } from 'jose';
import { configFromEnv } from '../config.ts';
import { AuthStore, type ClientType } from '../store/auth-store.ts';
import { openDatabase } from '../store/database.ts';
import { migrate } from '../store/migrate.ts';
import { authServerUrls } from './auth-server.ts';
import { clientFromRegistration, publicView } from './client-registration.ts';

function options(args: string[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (let i = 0; i < args.length; i++) {
    const name = args[i];
    if (!name.startsWith('--') || i + 1 >= args.length) throw new Error(`expected --option value, got "${name}"`);
    out.set(name.slice(2), [...(out.get(name.slice(2)) ?? []), args[++i]]);
  }
  return out;
}

async function withStore<T>(fn: (store: AuthStore) => Promise<T>): Promise<T> {
  const config = configFromEnv();
  const db = await openDatabase({ ...config, poolSize: 1 });
  try {
    await migrate(db);
    return await fn(new AuthStore(db));
  } finally {
    await db.close();
  }
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  const o = options(rest);
  const one = (name: string) => o.get(name)?.[0];
  switch (command) {
    case 'add': {
      const jwksFile = one('jwks-file');
      const { client, secret } = await clientFromRegistration({
        client_id: one('id'),
        name: one('name'),
        type: one('type') as ClientType,
        scope: one('scope'),
        redirect_uris: o.get('redirect-uri') ?? [],
        jwks: jwksFile ? JSON.parse(readFileSync(jwksFile, 'utf8')) : undefined,
        jwks_uri: one('jwks-uri'),
        organization: one('organization'),
      });
      const added = await withStore((store) => store.addClient(client));
      if (!added) throw new Error(`client_id ${client.clientId} is already registered`);
      process.stdout.write(`${JSON.stringify({ ...publicView(client), ...(secret ? { client_secret: secret } : {}) }, null, 2)}\n`);
      return;
    }
    case 'list':
      process.stdout.write(`${JSON.stringify((await withStore((s) => s.listClients())).map(publicView), null, 2)}\n`);
      return;
    case 'remove': {
      const id = one('id');
      if (!id || !(await withStore((s) => s.deleteClient(id)))) throw new Error(`no client ${id ?? '(give --id)'}`);
      return;
    }
    case 'assertion': {
      const clientId = one('client');
      const keyFile = one('key');
      if (!clientId || !keyFile) throw new Error('assertion needs --client and --key');
      const jwk = JSON.parse(readFileSync(keyFile, 'utf8')) as JWK;
      const alg = jwk.alg ?? (jwk.kty === 'EC' ? 'ES384' : 'RS384');
      const key = (await importJWK(jwk, alg)) as CryptoKey;
      const tokenUrl = one('token-url') ?? authServerUrls(configFromEnv().baseUrl).token;
      const assertion = await new SignJWT({})
        .setProtectedHeader({ alg, kid: jwk.kid ?? '', typ: 'JWT' })
        .setIssuer(clientId)
        .setSubject(clientId)
        .setAudience(tokenUrl)
        .setJti(randomUUID())
        .setExpirationTime('4m')
        .sign(key);
      process.stdout.write(`${assertion}\n`);
      return;
    }
    default:
      throw new Error('usage: client-cli add|list|remove|assertion [--option value ...] (see the header of src/auth/client-cli.ts)');
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
