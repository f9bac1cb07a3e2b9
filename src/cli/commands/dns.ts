import { readFile, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { genesisFromJson } from '../../chain/genesis.ts';
import { fromHex } from '../../chain/hash.ts';
import { DnskeyFlags, dnskeyText, dsText, keysetToJson, parseDnskey, signKeyset, unboundTrustAnchor } from '../../dns/index.ts';
import { nameFromText } from '../../dns/wire.ts';
import { DcbtError } from '../../errors.ts';
import { readJsonIfExists } from '../../files.ts';
import { genesisKsk, loadDnssecKey } from '../../node/dns-service.ts';
import { globalOptions, rpcClient, type GlobalOptions } from '../global.ts';
import { Output } from '../output.ts';

async function genesisFor(opts: GlobalOptions, file: string | undefined) {
  const json = file ? JSON.parse(await readFile(file, 'utf8')) : ((await readJsonIfExists('.dcbt/genesis.json')) ?? (await rpcClient(opts).genesis()));
  return genesisFromJson(json);
}

export function registerDnsCommands(program: Command): void {
  const dns = program.command('dns').description('the zone\'s DNSSEC keys: trust anchors and key-set signatures');

  dns
    .command('ds')
    .description('print the DS record of the zone\'s KSK and a trust-anchor line for Unbound/BIND')
    .option('--genesis <file>', 'genesis file (default .dcbt/genesis.json, else fetched from --rpc)')
    .action(async (flags: { genesis?: string }, cmd: Command) => {
      const opts = globalOptions(cmd);
      const genesis = await genesisFor(opts, flags.genesis);
      const ksk = genesisKsk(genesis);
      if (!ksk) throw new DcbtError('ZONE_UNSIGNED', `chain ${genesis.chainId} has no DNSSEC key set in its genesis`, {});
      const owner = nameFromText(genesis.apex);
      const ds = dsText(owner, ksk);
      const result = { apex: genesis.apex, ds, dnskey: dnskeyText(owner, ksk), keyTag: parseDnskey(ksk).keyTag, unbound: unboundTrustAnchor(genesis.apex, ksk), bind: `trust-anchors { ${genesis.apex} static-ds ${ds.split(' IN DS ')[1]}; };` };
      new Output(opts).result(result, [`; DS of the KSK (give this to the parent zone, or trust it directly):`, ds, '', '; Unbound (unbound.conf, server: section):', result.unbound, '', '; BIND (named.conf):', result.bind].join('\n'));
    });

  dns
    .command('export')
    .description('write the whole zone, fully signed, as an RFC 1035 master file (what secondaries serve)')
    .option('--out <file>', 'write to a file instead of stdout')
    .action(async (flags: { out?: string }, cmd: Command) => {
      const opts = globalOptions(cmd);
      const text = await rpcClient(opts).zoneText();
      if (!flags.out) return void process.stdout.write(text);
      await writeFile(flags.out, text);
      const records = text.split('\n').filter((l) => l && !l.startsWith(';')).length;
      new Output(opts).result({ file: flags.out, records }, `zone written to ${flags.out} (${records} records); check it with ldns-verify-zone ${flags.out}`);
    });

  dns
    .command('sign-keyset')
    .description('sign a DNSKEY set (the KSK plus the listed ZSKs) with the KSK, for a key change proposal')
    .requiredOption('--ksk <file>', 'the KSK key file (ksk.key)')
    .requiredOption('--zsk <dnskey-hex...>', 'DNSKEY RDATA (hex) of every ZSK that may sign the zone')
    .option('--apex <name>', 'zone apex', 'dcbt.test.')
    .option('--ttl <seconds>', 'DNSKEY TTL', '3600')
    .option('--validity-days <n>', 'how long the signature is valid', '90')
    .action(async (flags: { ksk: string; zsk: string[]; apex: string; ttl: string; validityDays: string }, cmd: Command) => {
      const opts = globalOptions(cmd);
      const ksk = await loadDnssecKey(flags.ksk, DnskeyFlags.KSK);
      if (!ksk) throw new DcbtError('KEY_FILE_MISSING', `no KSK at ${flags.ksk}`, { path: flags.ksk });
      const zsks = flags.zsk.map((hex) => {
        const key = parseDnskey(fromHex(hex));
        if (key.flags !== DnskeyFlags.ZSK) throw new DcbtError('BAD_ARGUMENT', `--zsk ${hex.slice(0, 16)}… is not a ZSK (flags ${key.flags}, expected 256)`, {});
        return key;
      });
      const keyset = keysetToJson(signKeyset({ apex: flags.apex, ksk, zsks, ttlSeconds: Number(flags.ttl), nowMs: Date.now(), validityMs: Number(flags.validityDays) * 86_400_000 }));
      new Output(opts).result(keyset, JSON.stringify(keyset, null, 2));
    });
}
