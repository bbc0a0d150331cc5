// Preload (node --import) that records every module a process resolves; see module-trace-hooks.mjs.
import { register } from 'node:module';

register('./module-trace-hooks.mjs', import.meta.url);
