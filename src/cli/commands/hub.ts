import type { Command } from 'commander';
import { startHub } from '../../hub/server.ts';
import { Output } from '../output.ts';
import { port } from './start.ts';

export function registerHubCommand(program: Command): void {
  program
    .command('hub')
    .description('run the hub (web platform) alone, against a node\'s RPC (which may be on another machine)')
    .option('--data-dir <dir>', 'where the hub keeps its database (SQLite) unless DATABASE_URL is set', '.dcbt')
    .option('--host <addr>', 'address to listen on', '127.0.0.1')
    .option('--port <n>', 'port (0 = any free port)', '8646')
    .option('--node-rpc <url>', 'the node\'s RPC URL the explorer and demos use', 'http://127.0.0.1:8645')
    .option('--content-dir <dir>', 'content folder (default: the repository\'s content/)')
    .action(async (flags: { dataDir: string; host: string; port: string; nodeRpc: string; contentDir?: string }, cmd: Command) => {
      const out = new Output({ json: Boolean(cmd.optsWithGlobals().json) });
      const hub = await startHub({ dataDir: flags.dataDir, host: flags.host, port: port(flags.port, '--port'), rpcUrl: flags.nodeRpc, logger: false, ...(flags.contentDir ? { contentDir: flags.contentDir } : {}) });
      const stop = async () => {
        await hub.close();
        process.exit(0);
      };
      process.on('SIGINT', () => void stop());
      process.on('SIGTERM', () => void stop());
      out.result({ event: 'ready', hub: hub.url }, `DCBT hub at ${hub.url}/en/ — Ctrl-C stops it`);
    });
}
