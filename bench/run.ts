/**
 * `npm run bench -- <name> [options]`: runs bench/<name>.ts with the options (each bench has
 * --help). Without a name, lists the benches.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const benches = readdirSync(import.meta.dirname)
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !['run.ts', 'prng.ts'].includes(f))
  .map((f) => f.slice(0, -3))
  .sort();
const [name, ...args] = process.argv.slice(2);
if (name === undefined || name === '--help' || !benches.includes(name)) {
  process.stdout.write(`usage: npm run bench -- <name> [options]   (names: ${benches.join(', ')})\n`);
  process.exit(name === undefined || name === '--help' ? 0 : 1);
}
const result = spawnSync(process.execPath, [join(import.meta.dirname, `${name}.ts`), ...args], { stdio: 'inherit' });
process.exit(result.status ?? 1);
