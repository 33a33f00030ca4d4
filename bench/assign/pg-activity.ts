/**
 * What PostgreSQL spends its time on during a run, without pg_stat_statements (not preloaded
 * here): `pg_stat_activity` of the benchmark database sampled every few milliseconds (which
 * statement each backend is running, and whether it waits on a lock), plus counter deltas
 * (transactions committed and rolled back, rows written per table, WAL bytes).
 */
import pg from 'pg';

export interface StatementShare {
  label: string;
  /** Backend-samples running it, and those of them waiting on a lock (row or transaction lock). */
  samples: number;
  lockWaits: number;
  /** Waiting on anything else (WAL write / flush, I/O, ...), by wait event. */
  otherWaits: Record<string, number>;
}

export interface PgActivity {
  seconds: number;
  /** Sampling rounds taken. */
  rounds: number;
  /** Backend-samples running a statement, and open transactions waiting for the server (idle in transaction). */
  active: number;
  idleInTransaction: number;
  statements: StatementShare[];
}

export interface PgCounters {
  commits: number;
  rollbacks: number;
  walBytes: number;
  blocksRead: number;
  blocksHit: number;
  /** Rows inserted / updated / deleted per table. */
  tables: Record<string, { inserted: number; updated: number; deleted: number }>;
}

interface CounterSnapshot {
  commits: number;
  rollbacks: number;
  lsn: string;
  blocksRead: number;
  blocksHit: number;
  tables: Record<string, { inserted: number; updated: number; deleted: number }>;
}

/** A short name for the statement shapes the repository runs; others by their first words and tables. */
export function statementLabel(query: string): string {
  const q = query.replace(/\s+/g, ' ').trim();
  if (/^WITH input AS/i.test(q)) return 'write versions: resource + history + index rows (one statement)';
  if (/FOR UPDATE OF r/.test(q)) return 'lock the rows to update (SELECT … FOR UPDATE)';
  if (/^COMMIT/i.test(q)) return 'COMMIT (WAL flush)';
  if (/^BEGIN/i.test(q)) return 'BEGIN';
  if (/^ROLLBACK/i.test(q)) return 'ROLLBACK';
  if (/^SELECT id, version_id, .* FROM resource WHERE resource_type = \$1 AND id = \$2$/.test(q)) return 'read by id';
  const tables = [...new Set(q.match(/\b(resource_history|resource|search_[a-z_]+)\b/g) ?? [])].join(', ');
  // The shapes of src/store/search (search-resources.ts, driven-page.ts, include-sql.ts).
  if (/^WITH m AS MATERIALIZED \(SELECT \w+\.resource_type, \w+\.id FROM search_reference \w+ WHERE \w+\.resource_type = ANY/.test(q)) return `search, Patient compartment (several types) [${tables}]`;
  if (/^WITH m AS MATERIALIZED/.test(q)) return `search, candidate page: up to LIMIT rows of the driving index, then the other criteria per row [${tables}]`;
  if (/FROM \(SELECT r\.resource_type, r\.id FROM \(SELECT r\.resource_type, r\.id(, r\.last_updated)? FROM resource r WHERE NOT r\.deleted AND r\.resource_type = \$1 /.test(q)) return `search, ordered walk: resources in id order, criteria per row [${tables}]`;
  if (/^SELECT \(SELECT count\(\*\) FROM \(SELECT 1 FROM/.test(q)) return `search, driver choice: index rows per criterion counted up to a limit [${tables}]`;
  if (/FROM \(SELECT DISTINCT \w+\.id AS id FROM search_\w+ /.test(q)) return `search, driven page: the driving index in id order, the other criteria per row [${tables}]`;
  if (/^WITH base AS/.test(q)) return `search, _include / reference targets [${tables}]`;
  return `${q.slice(0, 70)}… [${tables}]`;
}

async function counters(c: pg.Client): Promise<CounterSnapshot> {
  const db = (await c.query<{ xact_commit: string; xact_rollback: string; blks_read: string; blks_hit: string; lsn: string }>(
    `SELECT xact_commit, xact_rollback, blks_read, blks_hit, pg_current_wal_lsn()::text AS lsn FROM pg_stat_database WHERE datname = current_database()`,
  )).rows[0];
  const rows = (await c.query<{ relname: string; n_tup_ins: string; n_tup_upd: string; n_tup_del: string }>(
    'SELECT relname, n_tup_ins, n_tup_upd, n_tup_del FROM pg_stat_user_tables',
  )).rows;
  const tables: CounterSnapshot['tables'] = {};
  for (const r of rows) tables[r.relname] = { inserted: Number(r.n_tup_ins), updated: Number(r.n_tup_upd), deleted: Number(r.n_tup_del) };
  return { commits: Number(db.xact_commit), rollbacks: Number(db.xact_rollback), lsn: db.lsn, blocksRead: Number(db.blks_read), blocksHit: Number(db.blks_hit), tables };
}

/** A WAL position ("16/B374D848") as a byte offset. */
export function lsnBytes(lsn: string): number {
  const [hi, lo] = lsn.split('/');
  return parseInt(hi, 16) * 2 ** 32 + parseInt(lo, 16);
}

export interface PgMonitor {
  /** WAL position now (for per-block WAL volumes). */
  lsn(): Promise<string>;
  /** Stops sampling; the activity seen and the counter deltas since start. */
  stop(): Promise<{ activity: PgActivity; counters: PgCounters }>;
}

/** Starts sampling the activity of the database at `url` every `intervalMs`. */
export async function startPgMonitor(url: string, intervalMs = 10): Promise<PgMonitor> {
  const client = new pg.Client({ connectionString: url, application_name: 'bench-assign-monitor' });
  await client.connect();
  // Counters are published when a backend's transaction ends (and at most every second): let them settle.
  await client.query('SELECT pg_stat_clear_snapshot()');
  const first = await counters(client);
  const started = performance.now();
  const shares = new Map<string, StatementShare>();
  let rounds = 0;
  let active = 0;
  let idleInTransaction = 0;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const { rows } = await client.query<{ state: string; wait_event_type: string | null; wait_event: string | null; query: string }>(
        `SELECT state, wait_event_type, wait_event, query FROM pg_stat_activity
         WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend' AND state <> 'idle'`,
      );
      rounds++;
      for (const r of rows) {
        if (r.state === 'idle in transaction') {
          idleInTransaction++;
          continue;
        }
        if (r.state !== 'active') continue;
        active++;
        const label = statementLabel(r.query);
        let s = shares.get(label);
        if (!s) shares.set(label, (s = { label, samples: 0, lockWaits: 0, otherWaits: {} }));
        s.samples++;
        if (r.wait_event_type === 'Lock') s.lockWaits++;
        else if (r.wait_event_type && r.wait_event_type !== 'Client') {
          const key = `${r.wait_event_type}:${r.wait_event}`;
          s.otherWaits[key] = (s.otherWaits[key] ?? 0) + 1;
        }
      }
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  })();
  return {
    lsn: async () => (await client.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn')).rows[0].lsn,
    async stop() {
      stopped = true;
      await loop;
      const seconds = (performance.now() - started) / 1000;
      await new Promise((r) => setTimeout(r, 1200));
      await client.query('SELECT pg_stat_clear_snapshot()');
      const last = await counters(client);
      const walBytes = lsnBytes(last.lsn) - lsnBytes(first.lsn);
      await client.end().catch(() => undefined);
      const tables: PgCounters['tables'] = {};
      for (const [name, t] of Object.entries(last.tables)) {
        const f = first.tables[name] ?? { inserted: 0, updated: 0, deleted: 0 };
        const d = { inserted: t.inserted - f.inserted, updated: t.updated - f.updated, deleted: t.deleted - f.deleted };
        if (d.inserted || d.updated || d.deleted) tables[name] = d;
      }
      return {
        activity: { seconds, rounds, active, idleInTransaction, statements: [...shares.values()].sort((a, b) => b.samples - a.samples) },
        counters: {
          commits: last.commits - first.commits,
          rollbacks: last.rollbacks - first.rollbacks,
          walBytes,
          blocksRead: last.blocksRead - first.blocksRead,
          blocksHit: last.blocksHit - first.blocksHit,
          tables,
        },
      };
    },
  };
}
