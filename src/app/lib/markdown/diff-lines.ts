// A file change as diff lines: a unified patch read line by line, or before/after text compared with jsdiff.
import { diffLines } from 'diff';
import type { FileChange } from '../../../core/agent-entries.ts';

export interface DiffLine {
  readonly kind: 'add' | 'del' | 'ctx' | 'hunk';
  readonly text: string;
}

/** The lines of a unified diff body (`@@` hunks, `+`, `-`, ` `); file headers are left out, the path is shown apart. */
export function patchLines(patch: string): DiffLine[] {
  const out: DiffLine[] = [];
  for (const line of patch.replace(/\n$/, '').split('\n')) {
    if (/^(Index: |={5,}|--- |\+\+\+ |diff --git )/.test(line)) continue;
    if (line.startsWith('@@')) out.push({ kind: 'hunk', text: line });
    else if (line.startsWith('+')) out.push({ kind: 'add', text: line.slice(1) });
    else if (line.startsWith('-')) out.push({ kind: 'del', text: line.slice(1) });
    else if (line.startsWith('\\')) out.push({ kind: 'hunk', text: line });
    else out.push({ kind: 'ctx', text: line.startsWith(' ') ? line.slice(1) : line });
  }
  return out;
}

/** Before and after compared line by line (jsdiff's `diffLines`). */
export function textLines(before: string, after: string): DiffLine[] {
  const out: DiffLine[] = [];
  for (const part of diffLines(before, after)) {
    const kind = part.added ? 'add' : part.removed ? 'del' : 'ctx';
    for (const line of part.value.replace(/\n$/, '').split('\n')) out.push({ kind, text: line });
  }
  return out;
}

/** The lines to draw for one change. */
export function changeLines(c: Pick<FileChange, 'kind' | 'before' | 'after' | 'patch'>): DiffLine[] {
  if (c.patch) {
    // Codex gives an added file's whole text as its "diff": it has no hunk header and no + marks.
    if (c.kind === 'add' && !/^@@/m.test(c.patch)) return c.patch.replace(/\n$/, '').split('\n').map((text) => ({ kind: 'add' as const, text }));
    return patchLines(c.patch);
  }
  return textLines(c.before ?? '', c.after ?? '');
}

export function diffStat(lines: readonly DiffLine[]): { added: number; removed: number } {
  let added = 0;
  let removed = 0;
  for (const l of lines) {
    if (l.kind === 'add') added++;
    else if (l.kind === 'del') removed++;
  }
  return { added, removed };
}
