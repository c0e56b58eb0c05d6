/**
 * Read-ahead over an async sequence: the next item is asked for as soon as the current one is
 * handed out, so producing it (a database read in another process, PostgreSQL's) overlaps with
 * consuming this one (rendering it to text). One item ahead at most: memory stays two items.
 */
export async function* readAhead<T>(source: AsyncIterable<T>): AsyncGenerator<T> {
  const it = source[Symbol.asyncIterator]();
  let pending: Promise<IteratorResult<T>> | undefined = it.next();
  try {
    for (;;) {
      const r: IteratorResult<T> = await pending;
      pending = undefined;
      if (r.done) return;
      pending = it.next();
      // The consumer may stop before awaiting it: its failure must not go unhandled meanwhile.
      pending.catch(() => undefined);
      yield r.value;
    }
  } finally {
    if (pending !== undefined) {
      // Stopped early: let the item in flight settle, then close the source (its own finally runs).
      await pending.catch(() => undefined);
      await it.return?.();
    }
  }
}
