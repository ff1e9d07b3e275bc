/** How the CLI shows answers: readable tables by default, JSON with --json, progress on stderr. */
import Table from 'cli-table3';

export interface Output {
  json: boolean;
  /** A list as a table (columns in order), or JSON. */
  table: (rows: ReadonlyArray<Record<string, unknown>>, columns: string[], raw?: unknown) => void;
  /** One object as a two-column table, or JSON. */
  record: (value: Record<string, unknown>) => void;
  /** A one-line message (not in --json mode). */
  line: (text: string) => void;
  /** Progress of a long operation, on stderr when it is a terminal (or with --progress). */
  progress: (text: string) => void;
}

const cell = (value: unknown): string => {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
};

export function createOutput(options: {
  json: boolean;
  progress: boolean;
  write?: (text: string) => void;
  writeErr?: (text: string) => void;
}): Output {
  const write = options.write ?? ((t: string) => process.stdout.write(t));
  const writeErr = options.writeErr ?? ((t: string) => process.stderr.write(t));
  return {
    json: options.json,
    table: (rows, columns, raw) => {
      if (options.json) return write(`${JSON.stringify(raw ?? rows, null, 2)}\n`);
      if (rows.length === 0) return write('(none)\n');
      const table = new Table({ head: columns, style: { head: [], border: [] } });
      for (const row of rows) table.push(columns.map((c) => cell(row[c])));
      write(`${table.toString()}\n`);
    },
    record: (value) => {
      if (options.json) return write(`${JSON.stringify(value, null, 2)}\n`);
      const table = new Table({ style: { head: [], border: [] } });
      for (const [k, v] of Object.entries(value)) {
        if (v && typeof v === 'object' && !Array.isArray(v)) {
          for (const [k2, v2] of Object.entries(v as Record<string, unknown>)) {
            table.push({ [`${k}.${k2}`]: cell(v2) });
          }
        } else {
          table.push({ [k]: Array.isArray(v) ? v.map(cell).join(', ') : cell(v) });
        }
      }
      write(`${table.toString()}\n`);
    },
    line: (text) => {
      if (!options.json) write(`${text}\n`);
    },
    progress: (text) => {
      if (options.progress) writeErr(`… ${text}\n`);
    },
  };
}
