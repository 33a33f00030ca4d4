/**
 * One index table's rows as column arrays, the shape `unnest($1::text[], ...)` takes: the owning
 * resource's type and id, then each field of the row in the order given.
 */
export class IndexColumns<K extends string> {
  private readonly columns: unknown[][];

  constructor(private readonly fields: readonly K[]) {
    this.columns = [[], [], ...fields.map(() => [])];
  }

  push(resourceType: string, id: string, row: Record<K, unknown>): void {
    this.columns[0].push(resourceType);
    this.columns[1].push(id);
    this.fields.forEach((field, i) => this.columns[i + 2].push(row[field]));
  }

  /** The SQL parameters: type, id, then one array per field. */
  params(): unknown[][] {
    return this.columns;
  }
}
