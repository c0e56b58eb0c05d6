/**
 * The seed-to-rule mapping (docs/seed-rules.md) stays true: every code it names exists in the
 * catalogue, and every test file it names exists and asserts at least one of the row's codes.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CODES } from './codes.ts';

const root = join(import.meta.dirname, '..', '..');
const doc = readFileSync(join(root, 'docs', 'seed-rules.md'), 'utf8');
const rows = doc
  .split('\n')
  .filter((l) => /^\|\s*\d+\s*\|/.test(l))
  .map((l) => {
    const cells = l.split('|').map((c) => c.trim());
    // cells: '', #, sentence, rule, codes, tests, ''
    const codes = [...(cells[4] ?? '').matchAll(/`([A-Z_]+)`/g)].map((m) => m[1] as string);
    const tests = [...(cells[5] ?? '').matchAll(/`([^`]+\.test\.ts)`/g)].map((m) => m[1] as string);
    return { n: cells[1], codes, tests };
  });

describe('docs/seed-rules.md', () => {
  it('has a row for each of the eight scenarios and the MPA section', () => {
    expect(rows.length).toBeGreaterThanOrEqual(24);
    for (const s of [1, 2, 3, 4, 5, 6, 7, 8]) expect(doc).toContain(`Scenario ${s}`);
  });

  it.each(rows)('row $n: codes are catalogued and the named tests assert them', ({ codes, tests }) => {
    expect(tests.length).toBeGreaterThan(0);
    for (const code of codes) expect(Object.keys(CODES)).toContain(code);
    for (const t of tests) {
      const path = join(root, t);
      expect(existsSync(path), `${t} exists`).toBe(true);
      if (codes.length > 0) {
        const text = readFileSync(path, 'utf8');
        expect(
          codes.some((c) => text.includes(c)),
          `${t} asserts one of ${codes.join(', ')}`,
        ).toBe(true);
      }
    }
  });
});
