// How a statement in SQLite's spelling reads on Postgres (src/server/db/pg-translate.ts): the edge cases where a naive
// rewrite would change what the statement means.
import { describe, expect, it } from 'vitest';
import { translate } from '../../../src/server/db/pg-translate.ts';

describe('pg-translate', () => {
  it('numbers ? parameters in order', () => {
    expect(translate('SELECT * FROM t WHERE a = ? AND b > ? LIMIT ?')).toEqual({ text: 'SELECT * FROM t WHERE a = $1 AND b > $2 LIMIT $3', names: null });
  });

  it('leaves a ? inside a string literal, a doubled quote, a quoted name or a comment alone', () => {
    expect(translate("SELECT '?', 'it''s ? here', ? FROM t").text).toBe("SELECT '?', 'it''s ? here', $1 FROM t");
    expect(translate('SELECT "odd?name" FROM t WHERE a = ?').text).toBe('SELECT "odd?name" FROM t WHERE a = $1');
    expect(translate('SELECT a -- why? because\nFROM t WHERE b = ?').text).toBe('SELECT a -- why? because\nFROM t WHERE b = $1');
    expect(translate("SELECT 'a' || ? || '?'").text).toBe("SELECT 'a' || $1 || '?'");
  });

  it('gives a named parameter used twice one number, and lists the names in that order', () => {
    expect(translate('UPDATE t SET a = @a, b = @b WHERE a <> @a OR c = @c_2')).toEqual({
      text: 'UPDATE t SET a = $1, b = $2 WHERE a <> $1 OR c = $3',
      names: ['a', 'b', 'c_2'],
    });
  });

  it('leaves an @ inside a literal and an @ not followed by a name alone', () => {
    expect(translate("SELECT 'me@example.com', @who, a @ b FROM t")).toEqual({ text: "SELECT 'me@example.com', $1, a @ b FROM t", names: ['who'] });
  });

  it('refuses a statement mixing ? and @name, and an unclosed literal', () => {
    expect(() => translate('SELECT ? WHERE a = @a')).toThrow(/either \? or @name/);
    expect(() => translate("SELECT 'open")).toThrow(/unclosed '/);
  });

  it('turns INSERT OR IGNORE into ON CONFLICT DO NOTHING, before RETURNING when there is one', () => {
    expect(translate('INSERT OR IGNORE INTO seen (a, b) VALUES (?, ?)').text).toBe('INSERT INTO seen (a, b) VALUES ($1, $2) ON CONFLICT DO NOTHING');
    expect(translate('insert or ignore into seen (a) values (?);').text).toBe('INSERT INTO seen (a) values ($1) ON CONFLICT DO NOTHING');
    expect(translate('INSERT OR IGNORE INTO seen (a) VALUES (@a) RETURNING a, b').text).toBe('INSERT INTO seen (a) VALUES ($1) ON CONFLICT DO NOTHING RETURNING a, b');
    // Across lines, as the stores write long statements (only the spacing differs).
    expect(translate('INSERT OR IGNORE INTO seen (a)\n  VALUES (?)\n  RETURNING *').text.replace(/\s+/g, ' ')).toBe('INSERT INTO seen (a) VALUES ($1) ON CONFLICT DO NOTHING RETURNING *');
  });

  it('refuses INSERT OR REPLACE (it has no one Postgres form) with the fix', () => {
    expect(() => translate('INSERT OR REPLACE INTO t (a) VALUES (?)')).toThrow(/ON CONFLICT \(…\) DO UPDATE/);
  });

  it('drops INDEXED BY and reads json_extract as ->>', () => {
    expect(translate('SELECT * FROM messages INDEXED BY messages_state WHERE session_id = ?').text).toBe('SELECT * FROM messages  WHERE session_id = $1');
    expect(translate("SELECT * FROM m WHERE json_extract(m.permission, '$.permissionId') = ?").text).toBe("SELECT * FROM m WHERE (m.permission::jsonb ->> 'permissionId') = $1");
  });

  it('leaves a statement without parameters as it is', () => {
    expect(translate("SELECT COUNT(*) AS n FROM messages WHERE state = 'held'")).toEqual({ text: "SELECT COUNT(*) AS n FROM messages WHERE state = 'held'", names: null });
  });
});
