import type { Database } from './database.ts';

/** When and what the server vacuums itself (ServerConfig.vacuum). */
export interface VacuumConfig {
  /** How often the dead-row counts are looked at, in ms; 0 = never. */
  intervalMs: number;
  /** A table is vacuumed once it holds at least this many dead rows. */
  minDeadRows: number;
}

export const DEFAULT_VACUUM_CONFIG: VacuumConfig = { intervalMs: 10_000, minDeadRows: 1_000 };

/** Logging the vacuum does: table names, counts and timings only. */
export interface VacuumLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/**
 * The server's tables holding at least `minDeadRows` dead rows, in the schema it uses, most dead
 * rows first (pg_stat_user_tables: the counts PostgreSQL's own autovacuum goes by).
 */
export async function tablesWithDeadRows(db: Database, minDeadRows: number): Promise<string[]> {
  const { rows } = await db.query<{ relname: string }>(
    `SELECT relname FROM pg_stat_user_tables
     WHERE schemaname = current_schema() AND n_dead_tup >= $1
     ORDER BY n_dead_tup DESC`,
    [minDeadRows],
  );
  return rows.map((r) => r.relname);
}

async function autovacuumIsOff(db: Database): Promise<boolean> {
  const { rows } = await db.query<{ setting: string }>(`SELECT current_setting('autovacuum') AS setting`);
  return rows[0]?.setting === 'off';
}

const quoted = (table: string) => `"${table.replace(/"/g, '""')}"`;

/**
 * Vacuums the server's tables on PostgreSQL when the database's own autovacuum is off (as on the
 * CI machines: conf.d sets `autovacuum = off`). Without it, every update leaves its old row
 * version behind: the rows updated on every assignment (a provider's HealthcareService capacity,
 * its attribution Group) pile up thousands of dead versions and their TOASTed JSON, every read of
 * them walks the chain, and the tables outgrow shared_buffers (issue 8's assignment benchmark
 * slowed to a quarter of its starting rate). VACUUM reclaims them; SKIP_LOCKED leaves a table
 * another process is vacuuming to that process. With autovacuum on, PostgreSQL does this itself
 * and the timer never starts. PGlite (one embedded connection) is never vacuumed by the server.
 */
export class DeadRowVacuum {
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
    this.log.info({ intervalMs: this.config.intervalMs, minDeadRows: this.config.minDeadRows }, 'autovacuum is off: the server vacuums its tables');
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

  /** One round: every table over the threshold, one VACUUM each; the tables vacuumed. */
  async runOnce(): Promise<string[]> {
    const tables = await tablesWithDeadRows(this.db, this.config.minDeadRows);
    for (const table of tables) {
      if (this.stopped) break;
      const started = performance.now();
      // VACUUM cannot run in a transaction: a pool query is a statement of its own
      await this.db.query(`VACUUM (SKIP_LOCKED) ${quoted(table)}`);
      this.log.info({ table, ms: Math.round(performance.now() - started) }, 'vacuumed');
    }
    return tables;
  }

  /** Stops the timer and waits for a round under way. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }
}
