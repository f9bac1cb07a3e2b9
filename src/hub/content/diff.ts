/**
 * Word diffs of content documents, for review and history pages. Pure: no I/O.
 *
 * Text is split into words, whitespace runs and single punctuation marks, and compared with
 * Myers' O(ND) algorithm, so a one-word change in a long paragraph shows as one word. A
 * document (a parsed YAML file or front matter + body) is flattened into fields first
 * ("term.en", "sources[1].url", lists of strings as lines), and each changed field gets its own
 * word diff.
 */

export type DiffOp = 'equal' | 'insert' | 'delete';

export interface DiffPart {
  op: DiffOp;
  text: string;
}

/**
 * Beyond this many edits (inserted + deleted tokens) the diff stops looking for the shortest
 * script and reports the whole text as replaced: the search keeps d² numbers, so this bounds
 * memory (≈ 16 MiB) and time on unrelated texts. Real edits are far below it.
 */
export const DIFF_EDITS_MAX = 2000;

const TOKEN = /\s+|[\p{L}\p{N}\p{M}_'’-]+|[^\s\p{L}\p{N}\p{M}_'’-]/gu;

/** Words, whitespace runs and single other characters; joined, they give back the text. */
export function tokenize(text: string): string[] {
  return text.match(TOKEN) ?? [];
}

/** Appends, merging with the previous part when it has the same operation. */
function push(out: DiffPart[], op: DiffOp, text: string): void {
  if (text === '') return;
  const last = out.at(-1);
  if (last?.op === op) last.text += text;
  else out.push({ op, text });
}

/**
 * The shortest edit script between token lists (Myers 1986), as parts in order. Common
 * prefix and suffix are taken off first: they are the usual case and cost nothing.
 */
export function diffTokens(a: readonly string[], b: readonly string[]): DiffPart[] {
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const out: DiffPart[] = [];
  push(out, 'equal', a.slice(0, start).join(''));
  const middle = myers(a.slice(start, endA), b.slice(start, endB));
  for (const part of middle) push(out, part.op, part.text);
  push(out, 'equal', a.slice(endA).join(''));
  return out;
}

function myers(a: readonly string[], b: readonly string[]): DiffPart[] {
  const n = a.length;
  const m = b.length;
  if (n === 0 && m === 0) return [];
  if (n === 0) return [{ op: 'insert', text: b.join('') }];
  if (m === 0) return [{ op: 'delete', text: a.join('') }];
  const max = Math.min(n + m, DIFF_EDITS_MAX);
  const off = max + 1;
  const v = new Int32Array(2 * max + 3);
  // trace[d] holds v for diagonals -d..d after step d (index k + d).
  const trace: Int32Array[] = [];
  for (let d = 0; d <= max; d++) {
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[off + k - 1]! < v[off + k + 1]!) ? v[off + k + 1]! : v[off + k - 1]! + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[off + k] = x;
      if (x >= n && y >= m) {
        trace.push(v.slice(off - d, off + d + 1));
        return backtrack(a, b, trace);
      }
    }
    trace.push(v.slice(off - d, off + d + 1));
  }
  return [
    { op: 'delete', text: a.join('') },
    { op: 'insert', text: b.join('') },
  ];
}

function backtrack(a: readonly string[], b: readonly string[], trace: readonly Int32Array[]): DiffPart[] {
  const reversed: DiffPart[] = [];
  let x = a.length;
  let y = b.length;
  for (let d = trace.length - 1; d > 0; d--) {
    const prev = trace[d - 1]!;
    const at = (k: number): number => prev[k + d - 1]!;
    const k = x - y;
    const down = k === -d || (k !== d && at(k - 1) < at(k + 1));
    const prevK = down ? k + 1 : k - 1;
    const prevX = at(prevK);
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      reversed.push({ op: 'equal', text: a[x - 1]! });
      x--;
      y--;
    }
    if (down) reversed.push({ op: 'insert', text: b[y - 1]! });
    else reversed.push({ op: 'delete', text: a[x - 1]! });
    x = prevX;
    y = prevY;
  }
  while (x > 0 && y > 0) {
    reversed.push({ op: 'equal', text: a[x - 1]! });
    x--;
    y--;
  }
  const out: DiffPart[] = [];
  for (let i = reversed.length - 1; i >= 0; i--) push(out, reversed[i]!.op, reversed[i]!.text);
  return out;
}

/**
 * Readability: a run of changes separated only by single spaces reads better as one removed
 * phrase and one added phrase ("the old words" → "some new words") than as alternating
 * fragments. Whitespace-only equal parts between two changes join both sides; then each group
 * of changes shows its deletion before its insertion.
 */
export function cleanup(parts: readonly DiffPart[]): DiffPart[] {
  const out: DiffPart[] = [];
  let del = '';
  let ins = '';
  const flush = (): void => {
    push(out, 'delete', del);
    push(out, 'insert', ins);
    del = '';
    ins = '';
  };
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (part.op === 'delete') del += part.text;
    else if (part.op === 'insert') ins += part.text;
    else {
      const between = (del !== '' || ins !== '') && /^\s+$/.test(part.text) && i + 1 < parts.length;
      if (between) {
        del += part.text;
        ins += part.text;
      } else {
        flush();
        push(out, 'equal', part.text);
      }
    }
  }
  flush();
  return out;
}

/** A word diff of two texts, cleaned up for reading. */
export function diffText(before: string, after: string): DiffPart[] {
  return cleanup(diffTokens(tokenize(before), tokenize(after)));
}

/** The text on one side of a diff: "before" keeps equal and deleted parts, "after" equal and inserted. */
export function sideOf(parts: readonly DiffPart[], side: 'before' | 'after'): string {
  const skip: DiffOp = side === 'before' ? 'insert' : 'delete';
  return parts
    .filter((p) => p.op !== skip)
    .map((p) => p.text)
    .join('');
}

/**
 * A document as fields in reading order: objects by key ("term.en"), lists of objects by
 * position ("sources[1].url"), lists of plain values as one field with a line per value.
 */
export function flattenDocument(doc: unknown): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (value: unknown, path: string): void => {
    if (value === undefined || value === null) return;
    if (Array.isArray(value)) {
      if (value.every((v) => typeof v !== 'object' || v === null)) {
        out.set(path, value.map((v) => String(v)).join('\n'));
      } else {
        value.forEach((v, i) => walk(v, `${path}[${i}]`));
      }
    } else if (typeof value === 'object') {
      for (const [key, v] of Object.entries(value)) walk(v, path === '' ? key : `${path}.${key}`);
    } else {
      out.set(path, String(value));
    }
  };
  walk(doc, '');
  return out;
}

export interface FieldChange {
  /** The flattened field ("definition.fr", "sources[0].title"). */
  path: string;
  before: string;
  after: string;
  parts: DiffPart[];
}

/** Changed fields only: in the order of `before`, then fields only `after` has. */
export function diffDocuments(before: unknown, after: unknown): FieldChange[] {
  const a = flattenDocument(before);
  const b = flattenDocument(after);
  const paths: string[] = [...a.keys()];
  const seen = new Set(paths);
  for (const key of b.keys()) {
    if (!seen.has(key)) {
      seen.add(key);
      paths.push(key);
    }
  }
  const changes: FieldChange[] = [];
  for (const path of paths) {
    const x = a.get(path) ?? '';
    const y = b.get(path) ?? '';
    if (x !== y) changes.push({ path, before: x, after: y, parts: diffText(x, y) });
  }
  return changes;
}
