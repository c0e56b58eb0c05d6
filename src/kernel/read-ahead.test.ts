import { describe, expect, it } from 'vitest';
import { readAhead } from './read-ahead.ts';

/** A source that records when each item is asked for and when it is closed. */
function recorded(items: number[], log: string[], failAt?: number) {
  return (async function* () {
    try {
      for (const i of items) {
        log.push(`produce ${i}`);
        await new Promise((r) => setTimeout(r, 1));
        if (i === failAt) throw new Error(`failed at ${i}`);
        yield i;
      }
    } finally {
      log.push('closed');
    }
  })();
}

describe('readAhead', () => {
  it('asks for the next item before the current one is consumed, in order', async () => {
    const log: string[] = [];
    const seen: number[] = [];
    for await (const i of readAhead(recorded([1, 2, 3], log))) {
      log.push(`consume ${i}`);
      seen.push(i);
    }
    expect(seen).toEqual([1, 2, 3]);
    expect(log).toEqual([
      'produce 1',
      'produce 2',
      'consume 1',
      'produce 3',
      'consume 2',
      'closed',
      'consume 3',
    ]);
  });

  it('passes a failure of the source on, in its place', async () => {
    const log: string[] = [];
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const i of readAhead(recorded([1, 2, 3], log, 2))) seen.push(i);
      })(),
    ).rejects.toThrow('failed at 2');
    expect(seen).toEqual([1]);
    expect(log.at(-1)).toBe('closed');
  });

  it('closes the source when the consumer stops early, even if the item ahead fails', async () => {
    const log: string[] = [];
    for await (const i of readAhead(recorded([1, 2, 3], log, 2))) if (i === 1) break;
    expect(log).toEqual(['produce 1', 'produce 2', 'closed']);
  });

  it('ends at once on an empty source', async () => {
    const log: string[] = [];
    const seen: number[] = [];
    for await (const i of readAhead(recorded([], log))) seen.push(i);
    expect(seen).toEqual([]);
    expect(log).toEqual(['closed']);
  });
});
