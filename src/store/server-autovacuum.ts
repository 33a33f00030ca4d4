import type { Database } from './database.ts';

/** When the server vacuums and analyzes its own tables (ServerConfig.vacuum). */
export interface VacuumConfig {
  /** How often the tables' counts are looked at, in ms; 0 = never. */
  intervalMs: number;
  /** A table is vacuumed once it holds at least this many dead rows (ANALYZE goes by autovacuum's default threshold). */
  minDeadRows: number;
}

export const DEFAULT_VACUUM_CONFIG: VacuumConfig = { intervalMs: 10_000, minDeadRows: 1_000 };

/** Logging the vacuum does: table names, counts and timings only. */
export interface VacuumLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** What a table needs: VACUUM (dead rows to reclaim), ANALYZE (planner statistics gone stale), or both. */
export interface TableDue {
  table: string;
  vacuum: boolean;
  analyze: boolean;
}

/**
 * Seconds between two ANALYZEs of a table that grows steadily: autovacuum's default naptime. An
 * ANALYZE samples up to 30,000 rows and sorts every column's values; run every round on each
 * growing table it took 10 % of PostgreSQL's CPU in the assignment benchmark.
 */
export const ANALYZE_MIN_SECONDS = 60;

/**
 * The server's tables (in the schema it uses) due for VACUUM, ANALYZE or both, most changed first,
 * from the counts PostgreSQL's own autovacuum goes by (pg_stat_user_tables): at least
 * `minDeadRows` dead rows; rows changed since the last ANALYZE beyond autovacuum's default
 * threshold (50 + 10 % of the rows), at most once in ANALYZE_MIN_SECONDS unless more than half
 * the table changed (its statistics are then far off, such as those of a table that was empty).
 */
export async function tablesDue(db: Database, minDeadRows: number): Promise<TableDue[]> {
  const { rows } = await db.query<TableDue>(
    `SELECT "table", vacuum, "analyze" FROM (
       SELECT relname AS "table", n_dead_tup >= $1 AS vacuum, n_dead_tup + n_mod_since_analyze AS changed,
              n_mod_since_analyze > 50 + 0.1 * n_live_tup
              AND (n_mod_since_analyze > n_live_tup / 2
                   OR coalesce(greatest(last_analyze, last_autoanalyze), '-infinity') < now() - make_interval(secs => $2)) AS "analyze"
       FROM pg_stat_user_tables WHERE schemaname = current_schema()) t
     WHERE vacuum OR "analyze"
     ORDER BY changed DESC`,
    [minDeadRows, ANALYZE_MIN_SECONDS],
    { untimed: true },
  );
  return rows;
}

async function autovacuumIsOff(db: Database): Promise<boolean> {
  const { rows } = await db.query<{ setting: string }>(`SELECT current_setting('autovacuum') AS setting`);
  return rows[0]?.setting === 'off';
}

const quoted = (table: string) => `"${table.replace(/"/g, '""')}"`;

/**
 * Does what autovacuum would, on PostgreSQL, when the database's own autovacuum is off (as on the
 * CI machines: conf.d sets `autovacuum = off`). Without it:
 * - every update leaves its old row version behind: the rows updated on every assignment (a
 *   provider's HealthcareService capacity, its attribution Group) pile up thousands of dead
 *   versions and their TOASTed JSON, which every read walks;
 * - nothing runs ANALYZE, so the planner keeps the statistics of the last load: a resource type
 *   that had no index rows then (the Tasks assignments create) still counts as empty, and
 *   `Task?focus=x` walked every Task's rows in the owner index (27 ms and growing by the 8,500th
 *   assignment) instead of probing the target index.
 * Each round VACUUMs and/or ANALYZEs the tables due (SKIP_LOCKED leaves a table another process is
 * working on to that process). With autovacuum on, PostgreSQL does this itself and the timer never
 * starts. PGlite (one embedded connection) is left alone.
 */
export class ServerAutovacuum {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private starting: Promise<boolean> | undefined;

  constructor(
    private readonly db: Database,
    private readonly config: VacuumConfig,
    private readonly log: VacuumLog,
  ) {}

  /** Starts the timer when the server should vacuum (once; later calls answer the same); resolves to whether it does. */
  start(): Promise<boolean> {
    this.starting ??= this.begin();
    return this.starting;
  }

  private async begin(): Promise<boolean> {
    if (this.db.kind !== 'postgres' || this.config.intervalMs <= 0) return false;
    if (!(await autovacuumIsOff(this.db))) return false;
    this.log.info({ intervalMs: this.config.intervalMs, minDeadRows: this.config.minDeadRows }, 'autovacuum is off: the server vacuums and analyzes its tables');
    this.schedule();
    return true;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.runOnce()
        .then(() => undefined)
        .catch((err: unknown) => this.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'vacuum failed'))
        .finally(() => {
          this.running = undefined;
          this.schedule();
        });
    }, this.config.intervalMs);
    this.timer.unref();
  }

  /** One round: each table due gets one VACUUM, ANALYZE or VACUUM (ANALYZE); the tables done. */
  async runOnce(): Promise<TableDue[]> {
    const due = await tablesDue(this.db, this.config.minDeadRows);
    for (const t of due) {
      if (this.stopped) break;
      const started = performance.now();
      // neither can run in a transaction (a pool query is a statement of its own) nor be held to STATEMENT_TIMEOUT_MS
      const options = t.analyze && t.vacuum ? 'SKIP_LOCKED, ANALYZE' : 'SKIP_LOCKED';
      await this.db.query(`${t.vacuum ? 'VACUUM' : 'ANALYZE'} (${options}) ${quoted(t.table)}`, [], { untimed: true });
      this.log.info({ table: t.table, vacuum: t.vacuum, analyze: t.analyze, ms: Math.round(performance.now() - started) }, 'table maintenance');
    }
    return due;
  }

  /** Stops the timer and waits for a round under way. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }
}
