/**
 * Loading a program from disk. The default is the demo program shipped in `data/`;
 * `OPENCSP_PROGRAM=/path/to/program.json` (with its `regions` file beside it) selects another.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildProgram, type Program, type ProgramDefinition } from './program.ts';
import type { RegionsFile } from './regions.ts';

export const DEFAULT_PROGRAM_FILE = join(
  dirname(fileURLToPath(import.meta.url)),
  'data',
  'contoso-cloud.program.json',
);

/** Reads and checks a program file; its `regions` entry names a regions file relative to it. */
export function loadProgram(file: string = DEFAULT_PROGRAM_FILE): Program {
  const path = resolve(file);
  const def = JSON.parse(readFileSync(path, 'utf8')) as ProgramDefinition & { regions: string };
  const regions = JSON.parse(readFileSync(join(dirname(path), def.regions), 'utf8')) as RegionsFile;
  return buildProgram(def, regions);
}

let cached: Program | undefined;
/** The demo program, loaded once. */
export function defaultProgram(): Program {
  cached ??= loadProgram();
  return cached;
}
