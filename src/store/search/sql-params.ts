/** Collects bind parameters for one statement; each call returns its `$n` placeholder. */
export class SqlParams {
  readonly values: unknown[] = [];
  private aliases = 0;

  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }

  /** A copy to build an alternative statement from (the values so far, and fresh aliases). */
  clone(): SqlParams {
    const copy = new SqlParams();
    copy.values.push(...this.values);
    copy.aliases = this.aliases;
    return copy;
  }

  /** A fresh table alias for a nested subquery (chains, `_has`). */
  alias(prefix: string): string {
    return `${prefix}${++this.aliases}`;
  }
}

/** Escapes LIKE wildcards so user text matches literally (backslash is PostgreSQL's default escape). */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
