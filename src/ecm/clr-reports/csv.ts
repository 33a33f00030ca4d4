/** RFC 4180 CSV as the CLR files use it: a header row, comma-separated, `"` quoting, CRLF written. */

export interface CsvRecord {
  /** Line of the file the record starts on (1 = the header). */
  line: number;
  fields: string[];
}

/**
 * Parses CSV text: quoted fields may hold commas, quotes (`""`) and line breaks; LF or CRLF line
 * ends; a leading byte-order mark is dropped; blank lines are skipped. Returns undefined as
 * `error` when the text is well formed, else the line of an unclosed quote.
 */
export function parseCsv(text: string): { records: CsvRecord[]; error?: string } {
  const records: CsvRecord[] = [];
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  const n = text.length;
  while (i < n) {
    const startLine = line;
    const fields: string[] = [];
    let field = '';
    let endOfRecord = false;
    while (!endOfRecord) {
      if (text[i] === '"') {
        i++;
        let closed = false;
        while (i < n) {
          const c = text[i];
          if (c === '"') {
            if (text[i + 1] === '"') {
              field += '"';
              i += 2;
              continue;
            }
            i++;
            closed = true;
            break;
          }
          if (c === '\n') line++;
          field += c;
          i++;
        }
        if (!closed) return { records, error: `line ${startLine}: a quoted field is not closed` };
      }
      while (i < n && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r') field += text[i++];
      fields.push(field);
      field = '';
      if (i >= n) endOfRecord = true;
      else if (text[i] === ',') i++;
      else {
        if (text[i] === '\r') i++;
        if (text[i] === '\n') i++;
        line++;
        endOfRecord = true;
      }
    }
    if (!(fields.length === 1 && fields[0].trim() === '')) records.push({ line: startLine, fields });
  }
  return { records };
}

export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** A CSV file: the header row, then one line per row (cells in header order), CRLF line ends. */
export function csvText(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const lines = [header.map(csvField).join(',')];
  for (const row of rows) lines.push(row.map(csvField).join(','));
  return `${lines.join('\r\n')}\r\n`;
}
