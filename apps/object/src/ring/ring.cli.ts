#!/usr/bin/env node
import { existsSync } from 'node:fs';
import { Command } from 'commander';
import { RingBuilder } from './ring-builder';
import { readBuilderFile, writeBuilderFile, writeRingFile } from './ring-file';

/**
 * kumo-ring <builder-file> create|add|set_weight|remove|rebalance|list|write_ring — Swift's
 * swift-ring-builder, for Kumo's account, container and object rings.
 */
function load(file: string): RingBuilder {
  if (!existsSync(file)) throw new Error(`${file} does not exist: run 'kumo-ring ${file} create <part_power> <replicas> <min_part_hours>' first`);
  return new RingBuilder(readBuilderFile(file));
}

function num(value: string, name: string): number {
  const n = Number(value);
  if (!Number.isFinite(n)) throw new Error(`${name} must be a number, got '${value}'`);
  return n;
}

async function main(argv: string[]): Promise<void> {
  const [file, ...rest] = argv.slice(2);
  if (!file || file.startsWith('-')) {
    console.error('usage: kumo-ring <builder-file> create|add|set_weight|remove|rebalance|list|write_ring ...');
    process.exit(2);
  }
  const program = new Command('kumo-ring').exitOverride();
  program
    .command('create <part_power> <replicas> <min_part_hours>')
    .description('start a new builder file')
    .action((pp: string, r: string, h: string) => {
      if (existsSync(file)) throw new Error(`${file} already exists`);
      writeBuilderFile(file, RingBuilder.create(num(pp, 'part_power'), num(r, 'replicas'), num(h, 'min_part_hours')).state);
      console.log(`created ${file}`);
    });
  program
    .command('add')
    .requiredOption('--region <n>', 'region', '1')
    .requiredOption('--zone <n>', 'zone')
    .requiredOption('--ip <ip>', 'storage node address')
    .requiredOption('--port <n>', 'storage node port')
    .requiredOption('--device <name>', 'device name under the devices root')
    .requiredOption('--weight <w>', 'weight (e.g. the capacity in GiB)')
    .option('--meta <text>', 'free text')
    .action((o: Record<string, string>) => {
      const b = load(file);
      const dev = b.addDevice({
        region: num(o.region, 'region'),
        zone: num(o.zone, 'zone'),
        ip: o.ip,
        port: num(o.port, 'port'),
        device: o.device,
        weight: num(o.weight, 'weight'),
        meta: o.meta,
      });
      writeBuilderFile(file, b.state);
      console.log(`device d${dev.id} r${dev.region}z${dev.zone}-${dev.ip}:${dev.port}/${dev.device} weight ${dev.weight} added`);
    });
  program.command('set_weight <id> <weight>').action((id: string, w: string) => {
    const b = load(file);
    b.setWeight(num(id, 'id'), num(w, 'weight'));
    writeBuilderFile(file, b.state);
    console.log(`device ${id} weight set to ${w} (rebalance to apply)`);
  });
  program.command('remove <id>').action((id: string) => {
    const b = load(file);
    b.removeDevice(num(id, 'id'));
    writeBuilderFile(file, b.state);
    console.log(`device ${id} marked for removal (rebalance to apply)`);
  });
  program
    .command('rebalance')
    .option('--seed <n>', 'seed of the placement (same seed, same ring)', '0')
    .action((o: { seed: string }) => {
      const b = load(file);
      const r = b.rebalance(num(o.seed, 'seed'));
      writeBuilderFile(file, b.state);
      writeRingFile(file.replace(/\.builder$/, '') + '.ring.gz', b.toRingData());
      console.log(`reassigned ${r.moved} partition-replicas; balance ${r.balance.toFixed(2)}%; wrote ${file.replace(/\.builder$/, '')}.ring.gz`);
    });
  program.command('write_ring').action(() => {
    const b = load(file);
    writeRingFile(file.replace(/\.builder$/, '') + '.ring.gz', b.toRingData());
    console.log(`wrote ${file.replace(/\.builder$/, '')}.ring.gz`);
  });
  program.command('list').action(() => {
    const b = load(file);
    const s = b.state;
    console.log(`${file}, build version ${s.version}, ${b.partCount} partitions, ${s.replicas} replicas, min_part_hours ${s.minPartHours}, balance ${b.balance().toFixed(2)}%`);
    const counts = new Map<number, number>();
    for (const row of s.assignment ?? []) for (const id of row) counts.set(id, (counts.get(id) ?? 0) + 1);
    const wanted = b.wanted();
    console.log('  id region zone ip:port/device weight partitions wanted');
    for (const d of b.devices) {
      console.log(`  ${d.id} ${d.region} ${d.zone} ${d.ip}:${d.port}/${d.device} ${d.weight} ${counts.get(d.id) ?? 0} ${(wanted.get(d.id) ?? 0).toFixed(1)}`);
    }
  });
  await program.parseAsync(rest, { from: 'user' });
}

main(process.argv).catch((err: unknown) => {
  const e = err as { code?: string; message?: string };
  if (e.code?.startsWith('commander.')) process.exit(2);
  console.error(`kumo-ring: ${e.message ?? String(err)}`);
  process.exit(1);
});
