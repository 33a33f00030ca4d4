/**
 * The ceiling for read by id: a bare fastify app with one pg Pool (same size as the FHIR
 * server's) and a single route running the one query a read needs, with no FHIR logic at all.
 * It reads the tables the FHIR server created. A child process of bench/run.ts.
 *
 * Env: BENCH_SERVER_DATABASE_URL (required), BENCH_SERVER_PORT (required).
 */
import Fastify from 'fastify';
import pg from 'pg';
import { serveChild } from './child-lifecycle.ts';

/** openDatabase's default pool size (src/store/database.ts), so both servers get as many connections. */
const POOL_SIZE = 16;
const READ_SQL = "SELECT content FROM resource WHERE resource_type = 'Patient' AND id = $1";

const databaseUrl = process.env.BENCH_SERVER_DATABASE_URL;
const port = Number(process.env.BENCH_SERVER_PORT);
if (!databaseUrl || !port) throw new Error('BENCH_SERVER_DATABASE_URL and BENCH_SERVER_PORT are required');

await serveChild('ceiling', async () => {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: POOL_SIZE });
  pool.on('error', () => undefined);
  const app = Fastify({ logger: { level: 'warn' } });
  app.get<{ Params: { id: string } }>('/ceiling/Patient/:id', async (request, reply) => {
    const { rows } = await pool.query<{ content: string | null }>(READ_SQL, [request.params.id]);
    const content = rows[0]?.content;
    if (content == null) return reply.code(404).send();
    return reply.type('application/fhir+json').send(content);
  });
  app.addHook('onClose', async () => pool.end());
  await app.listen({ port, host: '127.0.0.1' });
  return { port, close: () => app.close() };
});
