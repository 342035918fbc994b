// Characters a person cannot see (bidi overrides, zero-width, controls, odd spaces, long blank runs), made visible
// so an approval shows what the agent will really run.

export type VisibleSegment =
  | { readonly kind: 'text'; readonly text: string }
  /** Stands for `raw`, which is shown as `label` (e.g. "RLO", "U+200B", "4,000 spaces"). */
  | { readonly kind: 'mark'; readonly label: string; readonly raw: string };

const NAMES: Readonly<Record<number, string>> = {
  0x061c: 'ALM', 0x200e: 'LRM', 0x200f: 'RLM', 0x202a: 'LRE', 0x202b: 'RLE', 0x202c: 'PDF', 0x202d: 'LRO', 0x202e: 'RLO',
  0x2066: 'LRI', 0x2067: 'RLI', 0x2068: 'FSI', 0x2069: 'PDI', 0x200b: 'ZWSP', 0x200c: 'ZWNJ', 0x200d: 'ZWJ', 0x2060: 'WJ',
  0xfeff: 'BOM', 0x00ad: 'SHY', 0x00a0: 'NBSP', 0x2028: 'LSEP', 0x2029: 'PSEP', 0x000d: 'CR', 0x001b: 'ESC', 0x0000: 'NUL',
  0x0008: 'BS', 0x007f: 'DEL',
};

/** Whether a code point is invisible or misleading in an approval (tab and newline are not: they show as themselves). */
export function isHiddenCodePoint(cp: number): boolean {
  if (cp === 0x09 || cp === 0x0a) return false;
  if (cp < 0x20 || cp === 0x7f || (cp >= 0x80 && cp <= 0x9f)) return true; // C0 (CR included), DEL, C1
  if (cp === 0x00a0 || cp === 0x00ad || cp === 0x034f || cp === 0x061c || cp === 0x115f || cp === 0x1160 || cp === 0x17b4 || cp === 0x17b5 || cp === 0x180e) return true;
  if (cp >= 0x2000 && cp <= 0x200f) return true; // odd-width spaces, zero-width, LRM/RLM
  if (cp >= 0x2028 && cp <= 0x202f) return true; // separators, embeddings and overrides, narrow NBSP
  if (cp >= 0x205f && cp <= 0x206f) return true; // medium space, word joiner, invisible operators, isolates
  if (cp === 0x3000 || cp === 0x3164 || cp === 0xfeff || cp === 0xffa0) return true;
  if (cp >= 0xfff9 && cp <= 0xfffb) return true; // interlinear annotations
  if (cp >= 0xe0000 && cp <= 0xe007f) return true; // tag characters (invisible ASCII)
  if (cp >= 0xe0100 && cp <= 0xe01ef) return true; // supplementary variation selectors
  return false;
}

const hex = (cp: number) => `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;

/** A run of spaces this long or longer is shown as a count (it can push the rest of a command out of sight). */
export const BLANK_RUN_MIN = 8;

/**
 * `text` as segments: plain text, and marks standing for each hidden character or long blank run. Joining every
 * segment's text / raw gives `text` back exactly.
 */
export function revealInvisible(text: string): VisibleSegment[] {
  const out: VisibleSegment[] = [];
  let plain = '';
  const flush = () => {
    if (plain) out.push({ kind: 'text', text: plain });
    plain = '';
  };
  for (let i = 0; i < text.length; ) {
    const cp = text.codePointAt(i)!;
    const ch = String.fromCodePoint(cp);
    if (cp === 0x20 || cp === 0x09) {
      let j = i;
      while (j < text.length && text[j] === ch) j++;
      const n = j - i;
      if (n >= BLANK_RUN_MIN) {
        flush();
        out.push({ kind: 'mark', label: `${n.toLocaleString('en-US')} ${cp === 0x09 ? 'tabs' : 'spaces'}`, raw: text.slice(i, j) });
      } else plain += text.slice(i, j);
      i = j;
      continue;
    }
    if (isHiddenCodePoint(cp)) {
      flush();
      out.push({ kind: 'mark', label: NAMES[cp] ?? hex(cp), raw: ch });
    } else plain += ch;
    i += ch.length;
  }
  flush();
  return out;
}

/** How many hidden characters and long blank runs `text` has (0: it reads as it is). */
export function countHidden(text: string): number {
  return revealInvisible(text).filter((s) => s.kind === 'mark').length;
}
