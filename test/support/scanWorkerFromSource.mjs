// The first-scan helper thread run from its TypeScript source, for tests that run without a build.
import { createRequire } from 'node:module';
import { register } from 'tsx/cjs/api';

register();
createRequire(import.meta.url)('../../src/engine/scanWorker.ts');
