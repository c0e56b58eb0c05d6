// The entry of every OpenCSP worker thread: registers tsx (the sources are TypeScript, run without
// a build step, as `bin/opencsp.js` does for the main thread), then loads the worker's own module.
// A worker does not inherit the main thread's loader, whether tsx's or a test runner's.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.module);
