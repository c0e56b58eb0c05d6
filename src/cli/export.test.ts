import { describe, expect, it } from 'vitest';
import { csvField, csvLine } from './export.ts';

describe('CSV (RFC 4180)', () => {
  it('quotes only when needed, doubles quotes, writes objects as JSON and nulls as empty', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField(null)).toBe('');
    expect(csvField(undefined)).toBe('');
    expect(csvField(12)).toBe('12');
    expect(csvField(false)).toBe('false');
    expect(csvField({ a: 1 })).toBe('"{""a"":1}"');
    expect(csvField([{ x: 'y' }])).toBe('"[{""x"":""y""}]"');
  });
  it('ends each line with CRLF', () => {
    expect(csvLine(['a', 1, null])).toBe('a,1,\r\n');
  });
});
