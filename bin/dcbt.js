#!/usr/bin/env node
// The package's bin runs on the Node 24 that the project pins (npm puts node_modules/.bin first
// on PATH for npx and npm scripts); it loads the TypeScript entry point through type stripping.
const [major] = process.versions.node.split('.').map(Number);
if (major < 24) {
  process.stderr.write(`dcbt needs Node.js 24 or newer (this is ${process.version}). Run it through npx or an npm script, which use the project's Node 24.\n`);
  process.exit(1);
}
const { main } = await import('../src/cli/main.ts');
const code = await main(process.argv);
// `start` keeps running until a signal; other commands end here.
if (code !== 0) process.exit(code);
