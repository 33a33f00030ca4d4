import type { HistoryEntry, HistoryPage, HistoryQuery } from '../fhir/repository.ts';
import type { Queryable } from './database.ts';

import { lastUpdatedSql } from './sql-fragments.ts';

const LAST_UPDATED = lastUpdatedSql('h.last_updated');

/**
 * One page of history, newest first. Pages are keyset-paged on the history sequence number:
 * the cursor is the last seq returned, so versions written after the first page was served
 * never shift later pages (they are newer and sort before the cursor).
 */
export async function historyPage(q: Queryable, query: HistoryQuery, canRead: (type: string) => boolean): Promise<HistoryPage> {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, value: unknown) => {
    params.push(value);
    where.push(sql.replace('?', `$${params.length}`));
  };
  if (query.resourceType) add('h.resource_type = ?', query.resourceType);
  if (query.id) add('h.id = ?', query.id);
  if (query.since) add('h.last_updated >= ?::timestamptz', query.since);
  if (query.atTo) add('h.last_updated < ?::timestamptz', query.atTo);
  if (query.atFrom) {
    // current at some time in [atFrom, atTo): not superseded before atFrom (history.html "_at")
    add(
      `NOT EXISTS (SELECT 1 FROM resource_history n WHERE n.resource_type = h.resource_type AND n.id = h.id
        AND n.version_id > h.version_id AND n.last_updated <= ?::timestamptz)`,
      query.atFrom,
    );
  }
  const filter = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
  const totalRows = await q.query<{ total: string | number }>(`SELECT count(*) AS total FROM resource_history h ${filter}`, params);
  const total = Number(totalRows.rows[0]?.total ?? 0);

  const pageParams = [...params];
  let pageFilter = filter;
  if (query.cursor !== undefined) {
    pageParams.push(query.cursor);
    pageFilter = `${filter ? `${filter} AND` : 'WHERE'} h.seq < $${pageParams.length}::bigint`;
  }
  pageParams.push(query.count + 1);
  const { rows } = await q.query<{
    seq: string;
    resource_type: string;
    id: string;
    version_id: number;
    last_updated: string;
    deleted: boolean;
    method: HistoryEntry['method'];
    content: string | null;
  }>(
    `SELECT h.seq, h.resource_type, h.id, h.version_id, ${LAST_UPDATED} AS last_updated, h.deleted, h.method, h.content
     FROM resource_history h ${pageFilter} ORDER BY h.seq DESC LIMIT $${pageParams.length}`,
    pageParams,
  );
  const page = rows.slice(0, query.count);
  const entries: HistoryEntry[] = page
    .filter((r) => canRead(r.resource_type))
    .map((r) => ({
      method: r.method,
      stored: {
        resourceType: r.resource_type,
        id: r.id,
        versionId: r.version_id,
        lastUpdated: r.last_updated,
        deleted: r.deleted,
        json: r.content,
      },
    }));
  return { entries, total, nextCursor: query.count > 0 && rows.length > query.count ? String(page[page.length - 1].seq) : undefined };
}
