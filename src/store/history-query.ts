import type { HistoryEntry, HistoryPage, HistoryQuery } from '../fhir/repository.ts';
import type { Queryable } from './database.ts';

import { lastUpdatedSql } from './sql-fragments.ts';
import type { Visibility } from './search/criterion-sql.ts';
import { SqlParams } from './search/sql-params.ts';

const LAST_UPDATED = lastUpdatedSql('h.last_updated');

/**
 * One page of history, newest first. Pages are keyset-paged on the history sequence number:
 * the cursor is the last seq returned, so versions written after the first page was served
 * never shift later pages (they are newer and sort before the cursor).
 */
export async function historyPage(
  q: Queryable,
  query: HistoryQuery,
  canRead: (type: string) => boolean,
  visible?: Visibility,
): Promise<HistoryPage> {
  const p = new SqlParams();
  const where: string[] = [];
  if (query.resourceType) where.push(`h.resource_type = ${p.add(query.resourceType)}`);
  if (query.id) where.push(`h.id = ${p.add(query.id)}`);
  if (query.since) where.push(`h.last_updated >= ${p.add(query.since)}::timestamptz`);
  if (query.atTo) where.push(`h.last_updated < ${p.add(query.atTo)}::timestamptz`);
  if (query.atFrom) {
    // current at some time in [atFrom, atTo): not superseded before atFrom (history.html "_at")
    where.push(`NOT EXISTS (SELECT 1 FROM resource_history n WHERE n.resource_type = h.resource_type AND n.id = h.id
        AND n.version_id > h.version_id AND n.last_updated <= ${p.add(query.atFrom)}::timestamptz)`);
  }
  // Restricted contexts see the versions of resources they may see now (judged on the current
  // version's index rows, so a deleted resource's history is hidden from them).
  const access = visible?.({ type: 'h.resource_type', id: 'h.id' }, p, query.resourceType);
  if (access) where.push(access);
  const filter = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
  const totalRows = await q.query<{ total: string | number }>(`SELECT count(*) AS total FROM resource_history h ${filter}`, p.values);
  const total = Number(totalRows.rows[0]?.total ?? 0);

  const pageWhere = [...where];
  if (query.cursor !== undefined) pageWhere.push(`h.seq < ${p.add(query.cursor)}::bigint`);
  const limit = p.add(query.count + 1);
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
     FROM resource_history h ${pageWhere.length > 0 ? `WHERE ${pageWhere.join(' AND ')}` : ''} ORDER BY h.seq DESC LIMIT ${limit}`,
    p.values,
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
