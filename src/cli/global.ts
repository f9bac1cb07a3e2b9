import type { Command } from 'commander';
import { DEFAULT_RPC_URL, RpcClient } from '../rpc/client.ts';
import { DEFAULT_WALLET_PATH } from './wallet-file.ts';

export interface GlobalOptions {
  json: boolean;
  rpc: string;
  wallet: string;
}

/** Options given anywhere on the command line (`dcbt --json name show x` or `dcbt name show x --json`). */
export function globalOptions(cmd: Command): GlobalOptions {
  const o = cmd.optsWithGlobals() as Partial<GlobalOptions>;
  return {
    json: Boolean(o.json),
    rpc: o.rpc ?? process.env.DCBT_RPC ?? DEFAULT_RPC_URL,
    wallet: o.wallet ?? process.env.DCBT_WALLET ?? DEFAULT_WALLET_PATH,
  };
}

export function rpcClient(opts: GlobalOptions): RpcClient {
  return new RpcClient(opts.rpc);
}
