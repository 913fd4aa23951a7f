#!/usr/bin/env node
/**
 * Fake hypervisor hosts for the compute scale benchmark: N compute agents in one process, each the
 * real agent code (`startAgent`: host report over RPC every report interval, build and terminate
 * handlers, power sync) on BenchDriver, which keeps guests in memory and starts no QEMU. One bus
 * connection for all of them; every host serves `computeAgent` on `{ server: <host> }`.
 *
 *   node tools/bench/dist/compute-fake-agents.js --hosts 50 --first 0 --prefix bench-host- \
 *     --amqp amqp://guest:guest@127.0.0.1:5672 --exchange-prefix kumo-bench --status .bench/compute/agents-0.json
 *
 * The status file (rewritten every 2 s and at exit) has each host's builds, guests, usage and the
 * builds that arrived with no room left (`oversubscribed`). SIGTERM/SIGINT stop the agents.
 */
import { writeFileSync } from 'node:fs';
import { createLogger } from '@kumo/common';
import { startAgent, type RunningAgent } from '@kumo/compute/dist/agent/agent';
import { computeAgentSection } from '@kumo/compute/dist/agent/agent.config';
import { MessagingClient } from '@kumo/messaging';
import { parseFlags, positive, UsageError } from './args';
import { BenchDriver } from './compute-fake-driver';

const USAGE = `usage: node tools/bench/dist/compute-fake-agents.js --hosts N [options]

  --hosts N               fake hosts in this process (default 50)
  --first K               number of the first host (default 0): hosts are PREFIX000K ...
  --prefix P              host name prefix (default bench-host-)
  --vcpus N --ram-mb N --disk-gb N   each host's capacity (default 2, 1536, 20)
  --cpu-ratio R --ram-ratio R --disk-ratio R --reserved-mb N
                          the scheduler's allocation ratios and reserved RAM, for the
                          oversubscription check (default 16, 1.5, 1, 0)
  --report-interval S     seconds between host reports (default 10)
  --amqp URL              default amqp://guest:guest@127.0.0.1:5672
  --exchange-prefix P     default kumo-bench (never the stack's "kumo")
  --status FILE           where the hosts' status goes
  --log-level L           default warn
`;

async function main(): Promise<void> {
  let kv;
  try {
    kv = parseFlags(
      process.argv.slice(2),
      /^(hosts|first|prefix|vcpus|ram-mb|disk-gb|cpu-ratio|ram-ratio|disk-ratio|reserved-mb|report-interval|amqp|exchange-prefix|status|log-level)$/,
    );
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    if (err.message) console.error(`compute-fake-agents: ${err.message}\n`);
    console.error(USAGE);
    process.exit(err.message ? 2 : 0);
  }
  const one = (k: string) => kv.get(k)?.at(-1);
  const hosts = positive('hosts', one('hosts'), 50, true);
  const first = Number(one('first') ?? 0);
  const prefix = one('prefix') ?? 'bench-host-';
  const exchangePrefix = one('exchange-prefix') ?? 'kumo-bench';
  if (exchangePrefix === 'kumo')
    throw new Error("--exchange-prefix kumo is the stack's: fake hosts would register with its scheduler");
  const logger = createLogger('bench-fake-agents', one('log-level') ?? 'warn');
  const bus = new MessagingClient({
    url: one('amqp') ?? 'amqp://guest:guest@127.0.0.1:5672',
    exchangePrefix,
    logger,
    connectionName: `kumo bench fake agents ${prefix}${first}+${hosts}`,
  });
  const ratios = {
    cpu: positive('cpu-ratio', one('cpu-ratio'), 16),
    ram: positive('ram-ratio', one('ram-ratio'), 1.5),
    disk: positive('disk-ratio', one('disk-ratio'), 1),
  };
  const drivers: BenchDriver[] = [];
  const agents: RunningAgent[] = [];
  for (let i = first; i < first + hosts; i++) {
    const host = `${prefix}${String(i).padStart(4, '0')}`;
    const driver = new BenchDriver({
      host,
      vcpus: positive('vcpus', one('vcpus'), 2, true),
      memoryMb: positive('ram-mb', one('ram-mb'), 1536, true),
      localGb: positive('disk-gb', one('disk-gb'), 20, true),
      reservedMemoryMb: Number(one('reserved-mb') ?? 0),
      ratios,
    });
    const settings = computeAgentSection.parse({
      host,
      driver: 'bench',
      report_interval_seconds: positive('report-interval', one('report-interval'), 10),
      reserved_host_memory_mb: 0,
      resume_guests_state_on_host_boot: false,
    });
    drivers.push(driver);
    agents.push(
      await startAgent({
        settings,
        bus,
        driver,
        snapshots: {
          upload: () => Promise.reject(new Error('no snapshots')),
          discard: async () => undefined,
        },
        logger: logger.child({ host }),
      }),
    );
  }
  const status = one('status');
  const write = () =>
    status &&
    writeFileSync(
      status,
      `${JSON.stringify({ pid: process.pid, at: new Date().toISOString(), hosts: drivers.map((d) => d.status()) })}\n`,
    );
  write();
  const timer = setInterval(write, 2000);
  process.stderr.write(
    `compute-fake-agents: ${hosts} hosts ${prefix}${String(first).padStart(4, '0')}.. serving on exchange prefix ${exchangePrefix} (pid ${process.pid})\n`,
  );
  const stop = async () => {
    clearInterval(timer);
    for (const a of agents) await a.stop().catch(() => undefined);
    write();
    await bus.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
}

main().catch((err: unknown) => {
  console.error(`compute-fake-agents: ${(err as Error).stack ?? String(err)}`);
  process.exit(1);
});
