// SQLite's spelling of a statement, as Postgres reads it: `?` and `@name` parameters become `$n`, `INSERT OR IGNORE`
// becomes `ON CONFLICT DO NOTHING`, `INDEXED BY` (a planner hint Postgres has no use for) goes, and
// `json_extract(col, '$.field')` becomes `(col::jsonb ->> 'field')`. What cannot be said both ways is written per
// dialect where the statement is (db.ts: `jsonTrue`).

export interface Translated {
  readonly text: string;
  /** For named parameters: the name of each `$n`, in order (the statement takes one object). Null: positional. */
  readonly names: readonly string[] | null;
}

export function translate(sql: string): Translated {
  const { text, names } = placeholders(sql);
  let out = text
    .replace(/\bINDEXED\s+BY\s+\w+/gi, '')
    .replace(/json_extract\(\s*([\w.]+)\s*,\s*'\$\.(\w+)'\s*\)/g, "($1::jsonb ->> '$2')");
  if (/\bINSERT\s+OR\s+IGNORE\s+INTO\b/i.test(out)) {
    out = out.replace(/\bINSERT\s+OR\s+IGNORE\s+INTO\b/i, 'INSERT INTO').replace(/\s*;?\s*$/, '');
    const returning = /\sRETURNING\s/i.exec(out);
    out = returning ? `${out.slice(0, returning.index)} ON CONFLICT DO NOTHING${out.slice(returning.index)}` : `${out} ON CONFLICT DO NOTHING`;
  }
  if (/\bINSERT\s+OR\s+REPLACE\b/i.test(out)) throw new Error(`INSERT OR REPLACE has no Postgres form; write ON CONFLICT (…) DO UPDATE: ${sql}`);
  return { text: out, names };
}

/** Numbers the parameters, outside string literals, quoted names and comments. */
function placeholders(sql: string): { text: string; names: string[] | null } {
  let out = '';
  let n = 0;
  const names: string[] = [];
  for (let i = 0; i < sql.length; i++) {
    const c = sql[i]!;
    if (c === "'" || c === '"') {
      const end = closing(sql, i, c);
      out += sql.slice(i, end + 1);
      i = end;
    } else if (c === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      const stop = end === -1 ? sql.length : end;
      out += sql.slice(i, stop);
      i = stop - 1;
    } else if (c === '?') {
      out += `$${++n}`;
    } else if (c === '@' && /[A-Za-z_]/.test(sql[i + 1] ?? '')) {
      const name = /^[A-Za-z_]\w*/.exec(sql.slice(i + 1))![0];
      let at = names.indexOf(name);
      if (at === -1) at = names.push(name) - 1;
      out += `$${at + 1}`;
      i += name.length;
    } else {
      out += c;
    }
  }
  if (n > 0 && names.length > 0) throw new Error(`a statement takes either ? or @name parameters, not both: ${sql}`);
  return { text: out, names: names.length > 0 ? names : null };
}

/** The index of the quote closing the literal opened at `start` (a doubled quote is part of the literal). */
function closing(sql: string, start: number, quote: string): number {
  for (let i = start + 1; i < sql.length; i++) {
    if (sql[i] !== quote) continue;
    if (sql[i + 1] === quote) {
      i++;
      continue;
    }
    return i;
  }
  throw new Error(`unclosed ${quote} in ${sql}`);
}
