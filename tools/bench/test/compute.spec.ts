import { UsageError } from '../src/args';
import { parseComputeArgs } from '../src/compute-args';
import { BenchDriver } from '../src/compute-fake-driver';
import { splitOf } from '../src/compute-latency';
import { eventDuration, eventMs } from '../src/compute-nova';
import { goals } from '../src/compute-report';

const at = (ms: number) => new Date(Date.UTC(2026, 11, 7, 12, 0, 0) + ms).toISOString().slice(0, 23) + '000';
const ev = (event: string, s: number, f: number) => ({
  event,
  start_time: at(s),
  finish_time: at(f),
  result: 'Success',
});
const T0 = Date.UTC(2026, 11, 7, 12, 0, 0);

describe('compute bench arguments', () => {
  it('defaults to both parts, the stack and the bench control plane, 20 boots, 1,000 creates', () => {
    const o = parseComputeArgs([], '/repo');
    expect(o.parts).toEqual(['latency', 'scale']);
    expect(o.url).toBe('http://127.0.0.1:8774/v2.1');
    expect(o.scaleUrl).toBe('http://127.0.0.1:18774/v2.1');
    expect([o.boots, o.pollMs, o.count, o.hosts, o.cacheMiss]).toEqual([20, 200, 1000, 200, true]);
    expect(o.agentsDir).toBe('/repo/.bench/compute/agents');
  });

  it('reads parts, pids and switches, and refuses what it does not know', () => {
    const o = parseComputeArgs(
      ['--part', 'latency', '--pid', 'compute-api=12', '--no-cache-miss', '--boots=5'],
      '/r',
    );
    expect(o.parts).toEqual(['latency']);
    expect(o.pids).toEqual({ 'compute-api': 12 });
    expect(o.cacheMiss).toBe(false);
    expect(o.boots).toBe(5);
    expect(() => parseComputeArgs(['--part', 'nova'], '/r')).toThrow(UsageError);
    expect(() => parseComputeArgs(['--url', 'ftp://x'], '/r')).toThrow(UsageError);
    expect(() => parseComputeArgs(['--boots', '0'], '/r')).toThrow(UsageError);
  });
});

describe('a boot split from its create events', () => {
  const events = [
    ev('conductor_schedule_and_build_instances', 60, 80),
    ev('compute__do_build_and_run_instance', 100, 900),
    ev('compute_fetch_image', 110, 120),
    ev('compute_prepare_disk', 120, 160),
    ev('compute_build_config_drive', 160, 200),
    ev('compute_define_domain', 200, 250),
    ev('compute_start_domain', 250, 650),
    ev('compute_wait_for_start', 650, 850),
  ];

  it('parts that add up to POST → ACTIVE on the server side', () => {
    const s = splitOf(events, T0, T0 + 50)!;
    expect(s).toEqual({
      api: 50,
      scheduling: 50,
      imageCache: 10,
      disk: 80,
      libvirtDefineStart: 450,
      qemuStart: 600,
      eventToActive: 50,
      agentOther: 10,
      serverActive: 900,
      kumoShare: 300,
    });
    expect(
      s.api + s.scheduling + s.imageCache + s.disk + 50 + s.qemuStart + s.agentOther + s.eventToActive,
    ).toBe(s.serverActive);
  });

  it('is null for a build that did not finish', () => {
    expect(
      splitOf(
        events.filter((e) => e.event !== 'compute_wait_for_start'),
        T0,
        T0 + 1,
      ),
    ).toBeNull();
    expect(eventDuration(events, 'compute_nothing')).toBeNull();
    expect(eventMs(null)).toBeNull();
    expect(eventMs('2026-12-07T12:00:00.250000')).toBe(T0 + 250);
  });
});

describe('BenchDriver', () => {
  const host = {
    host: 'h',
    vcpus: 2,
    memoryMb: 1024,
    localGb: 2,
    reservedMemoryMb: 0,
    ratios: { cpu: 16, ram: 1.5, disk: 1 },
  };
  const spec = (id: string) =>
    ({
      instanceId: id,
      name: id,
      hostname: id,
      projectId: 'p',
      userId: 'u',
      launchIndex: 0,
      availabilityZone: null,
      flavor: { id: 'f', name: 'f', vcpus: 1, memoryMb: 512, rootGb: 1, ephemeralGb: 0, swapMb: 0 },
      image: { id: 'i', name: null, diskFormat: 'qcow2', size: 1, minDisk: 0, properties: {} },
      keyPair: null,
      userData: null,
      metadata: {},
      createdAt: '',
    }) as const;

  it('runs the steps, keeps the guest, counts a build beyond its capacity and forgets a destroyed guest', async () => {
    const d = new BenchDriver(host);
    const steps: string[] = [];
    const step = async <T>(name: string, fn: () => Promise<T>) => {
      steps.push(name);
      return fn();
    };
    await d.spawn({ ...spec('00000000-0000-0000-0000-000000000001') }, { step });
    expect(steps).toEqual([
      'fetch_image',
      'prepare_disk',
      'build_config_drive',
      'define_domain',
      'start_domain',
      'wait_for_start',
    ]);
    await d.spawn({ ...spec('00000000-0000-0000-0000-000000000002') }, { step });
    expect(d.status()).toMatchObject({
      guests: 2,
      builds: 2,
      oversubscribed: 0,
      memoryMbUsed: 1024,
      localGbUsed: 2,
    });
    await d.spawn({ ...spec('00000000-0000-0000-0000-000000000003') }, { step }); // disk 3 > 2 x 1
    expect(d.status().oversubscribed).toBe(1);
    expect((await d.listGuests()).map((g) => g.powerState)).toEqual([1, 1, 1]);
    await d.destroy('00000000-0000-0000-0000-000000000001');
    await d.destroy('00000000-0000-0000-0000-000000000001');
    expect(d.status()).toMatchObject({ guests: 2, terminates: 1 });
    await expect(d.powerState('00000000-0000-0000-0000-000000000001')).rejects.toThrow('could not be found');
  });
});

describe('compute goals', () => {
  it('judges the scale part and leaves memory open without the agent', () => {
    const g = goals(undefined, {
      placementsPerSecond: 120,
      oversubscribedHostsApi: 0,
      oversubscribedBuildsAgents: 0,
      final: { active: 999, error: 1, other: 0 },
      creates: 1000,
      list: { servers: 1000, pages: 2, p50Ms: 90, p99Ms: 250, maxMs: 260, repeats: 3 },
      memory: {
        duringCreatesPeakMiB: {},
        duringCreatesPeakSumMiB: 0,
        with1000MiB: { 'compute-api': 150, 'compute-scheduler': 100 },
        with1000SumMiB: 250,
      },
    } as never);
    expect(g.map((x) => x.met)).toEqual([true, true, true, false, null]);
  });
});
