/**
 * Lists are paginated with an opaque cursor and a bounded page size (default 100, max 1000).
 * The cursor is base64url of the last item's sort key `[key, id]` (e.g. its creation time and id),
 * so pages stay stable while rows are added.
 */
import type { Fields } from './validate.ts';

export const PAGE_SIZE = { default: 100, max: 1000 } as const;

/** A position in a list ordered by `(key, id)`. */
export interface ListPosition {
  readonly key: string;
  readonly id: string;
}

/** One page: the items and, when more follow, the cursor of the next page. */
export interface Page<T> {
  readonly items: readonly T[];
  readonly next: string | null;
}

export function encodeCursor(p: ListPosition): string {
  return Buffer.from(JSON.stringify([p.key, p.id]), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): ListPosition | undefined {
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && typeof v[1] === 'string')
      return { key: v[0], id: v[1] };
  } catch {
    // Not a cursor a list produced: reported by the caller.
  }
  return undefined;
}

/** Reads `limit` and `cursor` from the input; a cursor no list produced is INVALID_FIELD. */
export function parsePage(f: Fields): { limit: number; after: ListPosition | undefined } {
  const limit = f.integer('limit', { min: 1, max: PAGE_SIZE.max, optional: true }) ?? PAGE_SIZE.default;
  const cursor = f.text('cursor', { max: 500, optional: true });
  const after = cursor === undefined ? undefined : decodeCursor(cursor);
  if (cursor !== undefined && !after)
    f.fail('INVALID_FIELD', 'cursor', 'is not a cursor returned by this list');
  return { limit, after };
}

/**
 * Builds a page from `limit + 1` rows fetched in order: the extra row only tells that more follow.
 */
export function toPage<R, T>(
  rows: readonly R[],
  limit: number,
  position: (r: R) => ListPosition,
  map: (r: R) => T,
): Page<T> {
  const shown = rows.slice(0, limit);
  const last = shown.at(-1);
  return {
    items: shown.map(map),
    next: rows.length > limit && last !== undefined ? encodeCursor(position(last)) : null,
  };
}

/** `a` before `b` in a list ordered by `(key, id)`: negative, zero (the same place) or positive. */
export function comparePositions(a: ListPosition, b: ListPosition): number {
  if (a.key !== b.key) return a.key < b.key ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * The first `limit + 1` rows of the union of lists each read in `(key, id)` order with its own
 * `limit + 1` (one index range each, instead of one query that must sort every row of an `OR`),
 * in that order; a row two lists both hold (the same position) is kept once.
 */
export function mergeOrdered<R>(
  lists: readonly (readonly R[])[],
  limit: number,
  position: (r: R) => ListPosition,
): R[] {
  const all = lists.flat().sort((a, b) => comparePositions(position(a), position(b)));
  const out: R[] = [];
  for (const r of all) {
    const last = out.at(-1);
    if (last !== undefined && comparePositions(position(last), position(r)) === 0) continue;
    out.push(r);
    if (out.length > limit) break;
  }
  return out;
}
