/** The hub's modules, in navigation order. Adding a module: one import and one entry here. */
import learn from './learn/manifest.ts';
import type { HubModule } from './types.ts';

export const modules: readonly HubModule[] = [learn];
