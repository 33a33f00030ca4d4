/** lastUpdated as an ISO instant with milliseconds, whatever the session time zone. */
export function lastUpdatedSql(column = 'last_updated'): string {
  return `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}
