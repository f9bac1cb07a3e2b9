import type { Command } from 'commander';
import { createAdminAccount, describeExport, exportPublishedRevisions, startHub } from '../../hub/server.ts';
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
    .option('--public-url <url>', 'base URL of links in e-mail (default: DCBT_HUB_PUBLIC_URL, else the listening address)')
    .option('--create-admin <email>', 'create (or promote) an admin account, print a one-time link to choose its password, and exit')
    .option('--export-revisions <dir>', 'write the published web edits as content files (laid out like content/) into <dir>, and exit')
    .action(async (flags: { dataDir: string; host: string; port: string; nodeRpc: string; contentDir?: string; publicUrl?: string; createAdmin?: string; exportRevisions?: string }, cmd: Command) => {
      const out = new Output({ json: Boolean(cmd.optsWithGlobals().json) });
      if (flags.exportRevisions !== undefined) {
        const result = await exportPublishedRevisions({ dataDir: flags.dataDir, outDir: flags.exportRevisions, contentDir: flags.contentDir });
        out.result({ event: 'revisions-exported', dir: flags.exportRevisions, ...result }, describeExport(result, flags.exportRevisions).trimEnd());
        return;
      }
      if (flags.createAdmin !== undefined) {
        const publicUrl = flags.publicUrl ?? process.env.DCBT_HUB_PUBLIC_URL ?? `http://${flags.host}:${flags.port}`;
        const made = await createAdminAccount({ dataDir: flags.dataDir, email: flags.createAdmin, publicUrl });
        out.result({ event: made.created ? 'admin-created' : 'admin-promoted', email: flags.createAdmin, setPasswordUrl: made.url, expiresInMs: made.expiresInMs }, `${made.created ? 'Created' : 'Promoted'} the admin account ${flags.createAdmin}. Choose its password within ${Math.round(made.expiresInMs / 3600_000)} hours at:\n  ${made.url}`);
        return;
      }
      const hub = await startHub({
        dataDir: flags.dataDir,
        host: flags.host,
        port: port(flags.port, '--port'),
        rpcUrl: flags.nodeRpc,
        logger: false,
        ...(flags.contentDir ? { contentDir: flags.contentDir } : {}),
        ...(flags.publicUrl === undefined ? {} : { publicUrl: flags.publicUrl }),
      });
      const stop = async () => {
        await hub.close();
        process.exit(0);
      };
      process.on('SIGINT', () => void stop());
      process.on('SIGTERM', () => void stop());
      out.result({ event: 'ready', hub: hub.url }, `DCBT hub at ${hub.url}/en/ — Ctrl-C stops it`);
    });
}
