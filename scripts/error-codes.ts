/**
 * Renders `docs/error-codes.md` from the code catalogue (`src/rules/codes.ts`).
 *
 *   npm run docs:codes             # writes the file
 *   npm run docs:codes -- --check  # exits 1 when the file on disk differs (CI)
 *
 * `src/rules/codes.test.ts` imports `renderErrorCodes` and keeps the file in agreement too.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CODES, type CodeInfo } from '../src/rules/codes.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Where the generated document lives. */
export const ERROR_CODES_DOC = join(ROOT, 'docs', 'error-codes.md');

const STATUS_NAMES: Record<CodeInfo['status'], string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
};

/** Escapes text for a markdown table cell. */
function cell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/** Display width of one code point, as the formatter counts it: wide (CJK, emoji) 2, combining 0. */
function charWidth(cp: number): number {
  if ((cp >= 0x300 && cp <= 0x36f) || cp === 0x200d || (cp >= 0xfe00 && cp <= 0xfe0f)) return 0;
  const wide =
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1faff) ||
    (cp >= 0x20000 && cp <= 0x3fffd);
  return wide ? 2 : 1;
}

function width(text: string): number {
  let w = 0;
  for (const ch of text) w += charWidth(ch.codePointAt(0) ?? 0);
  return w;
}

/**
 * A markdown table with padded columns, exactly as `biome format` lays it out, so that
 * `npm run format` leaves the generated file alone.
 */
function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((h, i) => Math.max(3, width(h), ...rows.map((r) => width(r[i] ?? ''))));
  const line = (cells: readonly string[]) =>
    `| ${cells.map((c, i) => c + ' '.repeat((widths[i] ?? 0) - width(c))).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}

/** The markdown document for a catalogue (the shipped `CODES` by default). */
export function renderErrorCodes(codes: Readonly<Record<string, CodeInfo>> = CODES): string {
  const entries = Object.entries(codes);
  const lines = [
    '# Error codes',
    '',
    '<!-- Generated from src/rules/codes.ts by `npm run docs:codes`. Do not edit by hand. -->',
    '',
    'Every refusal OpenCSP returns lists one or more violations, each with one of these stable codes.',
    'The HTTP status is the one the API answers with when the code is the first violation. New codes may',
    'be added at any time: treat an unknown code as a generic refusal of its HTTP status.',
    '',
    `${entries.length} codes.`,
    '',
    ...table(
      ['Code', 'HTTP status', 'Title', 'Source'],
      entries.map(([code, info]) => [
        `\`${code}\``,
        `${info.status} ${STATUS_NAMES[info.status]}`,
        cell(info.title),
        cell(info.source),
      ]),
    ),
    '',
  ];
  return lines.join('\n');
}

function main(argv: readonly string[]): number {
  const rendered = renderErrorCodes();
  const shown = relative(process.cwd(), ERROR_CODES_DOC) || ERROR_CODES_DOC;
  if (argv.includes('--check')) {
    let current: string | undefined;
    try {
      current = readFileSync(ERROR_CODES_DOC, 'utf8');
    } catch {
      current = undefined;
    }
    if (current !== rendered) {
      console.error(`${shown} is out of date with src/rules/codes.ts: run \`npm run docs:codes\`.`);
      return 1;
    }
    console.log(`${shown} is up to date.`);
    return 0;
  }
  writeFileSync(ERROR_CODES_DOC, rendered);
  console.log(`wrote ${shown} (${Object.keys(CODES).length} codes)`);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = main(process.argv.slice(2));
}
