import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES_DOC, renderErrorCodes } from '../../scripts/error-codes.ts';
import { ALL_CODES, CODES, codeInfo } from './codes.ts';

const SRC = fileURLToPath(new URL('..', import.meta.url));
const CODES_FILE = fileURLToPath(new URL('./codes.ts', import.meta.url));

/** Every non-test TypeScript source file under src/. */
function sourceFiles(dir = SRC): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(path);
    return e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [path] : [];
  });
}

/** Codes raised by `violation('X', …)`, `fail('X', …)` (across line breaks) or passed as `code: 'X'`. */
const RAISED = /(?:\bviolation\(\s*|\bfail\(\s*|\bcode:\s*)'([A-Z][A-Z0-9_]*)'/g;
/** Any quoted UPPER_SNAKE_CASE string. */
const QUOTED = /['"`]([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)['"`]/g;

const files = sourceFiles()
  .filter((f) => f !== CODES_FILE)
  .map((f) => ({ file: relative(SRC, f), text: readFileSync(f, 'utf8') }));

const known = new Set<string>(ALL_CODES);

describe('the code catalogue', () => {
  it('ALL_CODES lists every code of CODES, in order', () => {
    expect(ALL_CODES).toEqual(Object.keys(CODES));
    expect(ALL_CODES.length).toBeGreaterThan(40);
  });

  it('every code is UPPER_SNAKE_CASE', () => {
    const bad = ALL_CODES.filter((c) => !/^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/.test(c));
    expect(bad).toEqual([]);
  });

  it('every status is 400, 401, 403, 404, 409, 422, 429 or 500', () => {
    const bad = ALL_CODES.filter(
      (c) => ![400, 401, 403, 404, 409, 422, 429, 500].includes(codeInfo(c).status),
    );
    expect(bad).toEqual([]);
  });

  it('every code has a title and a source', () => {
    for (const c of ALL_CODES) {
      expect(CODES[c].title.trim(), c).not.toBe('');
      expect(CODES[c].source.trim(), c).not.toBe('');
    }
  });
});

describe('docs/error-codes.md', () => {
  it('equals the rendered catalogue (run `npm run docs:codes` after editing src/rules/codes.ts)', () => {
    expect(readFileSync(ERROR_CODES_DOC, 'utf8')).toBe(renderErrorCodes());
  });

  /** The cells of each table row (header and delimiter excluded), unescaped pipes splitting them. */
  const rows = (md: string) =>
    md
      .split('\n')
      .filter((l) => l.startsWith('| `'))
      .map((l) =>
        l
          .slice(1, -1)
          .split(/(?<!\\)\|/)
          .map((c) => c.trim()),
      );

  it('has one table row per code: code, status, title, source', () => {
    const table = rows(renderErrorCodes());
    expect(table).toHaveLength(ALL_CODES.length);
    ALL_CODES.forEach((c, i) => {
      const [code, status, title] = table[i] ?? [];
      expect(code).toBe(`\`${c}\``);
      expect(status?.startsWith(`${CODES[c].status} `)).toBe(true);
      expect(title).toBe(CODES[c].title.replace(/\|/g, '\\|'));
    });
  });

  it('escapes pipes in table cells', () => {
    const md = renderErrorCodes({ X_Y: { status: 400, title: 'a | b', source: 'c|d' } });
    expect(rows(md)).toEqual([['`X_Y`', '400 Bad Request', 'a \\| b', 'c\\|d']]);
  });

  it('is laid out as the formatter lays it out, so `npm run format` leaves it alone', () => {
    const biome = fileURLToPath(new URL('../../node_modules/.bin/biome', import.meta.url));
    for (const md of [
      renderErrorCodes(),
      renderErrorCodes({ A_B: { status: 422, title: 'a | b → c … 漢字 😀 Côte', source: 'x\\y' } }),
    ]) {
      const formatted = execFileSync(biome, ['format', '--stdin-file-path=docs/error-codes.md'], {
        input: md,
        encoding: 'utf8',
      });
      expect(formatted).toBe(md);
    }
  });
});

describe('codes used by the source', () => {
  const raised = files.flatMap(({ file, text }) =>
    [...text.matchAll(RAISED)].map((m) => ({ file, code: m[1] as string })),
  );

  it('finds the codes raised across src/ (the scanner works, multi-line calls included)', () => {
    const codes = new Set(raised.map((r) => r.code));
    expect(codes.size).toBeGreaterThan(30);
    // `violation(\n 'NOT_A_PARTNER_TENANT', …)` spans lines in parties/rules.ts.
    expect(raised).toContainEqual({ file: join('parties', 'rules.ts'), code: 'NOT_A_PARTNER_TENANT' });
    expect(raised).toContainEqual({ file: join('kernel', 'validate.ts'), code: 'INVALID_EMAIL' });
  });

  it('every code raised in src/ is in the catalogue', () => {
    const unknown = raised.filter((r) => !known.has(r.code)).map((r) => `${r.file}: ${r.code}`);
    expect(unknown).toEqual([]);
  });

  it('warns about catalogued codes no source file uses', () => {
    const used = new Set(files.flatMap(({ text }) => [...text.matchAll(QUOTED)].map((m) => m[1] as string)));
    const unused = ALL_CODES.filter((c) => !used.has(c));
    if (unused.length > 0) {
      console.warn(`codes in src/rules/codes.ts that no source file uses: ${unused.join(', ')}`);
    }
    expect(unused.length).toBeLessThan(ALL_CODES.length);
  });
});
