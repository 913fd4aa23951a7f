// ConductorLink.update across a message bus outage: a call whose connection drops is sent again,
// and a retry that finds the change already made (the first try applied, its answer was lost)
// counts as applied, so the agent does not take a finished build for a deleted one.
import { createLogger } from '@kumo/common';
import { InMemoryBroker, RpcInvalidArguments, RpcTimeout } from '@kumo/messaging';
import { ConductorLink } from '../../../src/agent/conductor-link';
import { InstanceLocks } from '../../../src/agent/instance-locks';
import { PowerSync } from '../../../src/agent/power-sync';
import { GUEST_POWER, type GuestSpec } from '../../../src/drivers/compute-driver';
import { InstanceNotOnHost } from '../../../src/rpc/host-identity';
import { computeConductor } from '../../../src/rpc/conductor.contract';
import { FakeConductor, FakeDriver } from './support/fakes';

const log = createLogger('conductor-link-test', 'silent');
const ID = '6f1c2b8e-7a0d-4c1e-9b3a-2d5e8f7a6c40';

describe('ConductorLink.update and a lost bus connection', () => {
  let broker: InMemoryBroker;
  let conductor: FakeConductor;

  beforeEach(async () => {
    broker = new InMemoryBroker();
    conductor = new FakeConductor();
    await conductor.serve(broker.client());
    conductor.add(ID, { taskState: 'spawning', host: 'node-1' });
  });

  it('sends the update again after the connection dropped under it, and takes the change it finds made as applied', async () => {
    const bus = broker.client({ rpcTimeoutMs: 2000 });
    const link = new ConductorLink(bus.rpc(computeConductor), log, undefined, { retryDelayMs: 10 });
    const pending = link.update(undefined, ID, { vmState: 'active', taskState: null, powerState: 1 }, { expect: ['spawning'] });
    // the message is out, the conductor applies it, its answer is lost with the connection
    bus.dropConnection();
    await expect(pending).resolves.toEqual({ applied: true, found: { vmState: 'active', taskState: null, deleted: false } });
    expect(conductor.rows.get(ID)).toMatchObject({ vmState: 'active', taskState: null });
  });

  it('still reports an update that did not apply (another change won), even after a retry', async () => {
    const bus = broker.client({ rpcTimeoutMs: 2000 });
    const link = new ConductorLink(bus.rpc(computeConductor), log, undefined, { retryDelayMs: 10 });
    conductor.rows.get(ID)!.taskState = 'deleting';
    const pending = link.update(undefined, ID, { vmState: 'active', taskState: null }, { expect: ['spawning'] });
    bus.dropConnection();
    await expect(pending).resolves.toEqual({ applied: false, found: { vmState: 'building', taskState: 'deleting', deleted: false } });
  });

  it('gives up after its attempts when nobody answers (RpcTimeout), and does not retry other errors', async () => {
    const nobody = new InMemoryBroker().client({ rpcTimeoutMs: 50 });
    const link = new ConductorLink(nobody.rpc(computeConductor), log, undefined, { retryDelayMs: 1, updateAttempts: 2 });
    const started = Date.now();
    await expect(link.update(undefined, ID, { powerState: 1 })).rejects.toBeInstanceOf(RpcTimeout);
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
    const bus = broker.client({ rpcTimeoutMs: 2000 });
    const bad = new ConductorLink(bus.rpc(computeConductor), log, undefined, { retryDelayMs: 1 });
    await expect(bad.update(undefined, 'not-a-uuid', { powerState: 1 })).rejects.toBeInstanceOf(RpcInvalidArguments);
  });
});

describe('PowerSync and a domain of an instance on another host', () => {
  it('leaves the guest alone (an orphan, logged once) when the conductor says the instance is not on this host', async () => {
    const broker = new InMemoryBroker();
    const updates: string[] = [];
    await broker.client().serve(computeConductor, {
      reportHost: () => undefined,
      actionEvent: () => undefined,
      instanceState: () => ({ found: null }),
      instanceUpdate: (_ctx, { instanceId }) => {
        updates.push(instanceId);
        throw new InstanceNotOnHost(`instance ${instanceId} is not on host node-1 (it is on node-2): its agent may not change it`);
      },
    });
    const driver = new FakeDriver();
    driver.guests.set(ID, { spec: { instanceId: ID, flavor: { vcpus: 1, memoryMb: 256, rootGb: 1 } } as unknown as GuestSpec, power: GUEST_POWER.SHUTDOWN });
    const link = new ConductorLink(broker.client({ rpcTimeoutMs: 2000 }).rpc(computeConductor, { callerHost: 'node-1' }), log);
    const sync = new PowerSync(driver, link, new InstanceLocks(), log, { resumeGuestsOnBoot: true });
    await sync.recover();
    await sync.sync();
    expect(updates).toEqual([ID, ID]);
    expect(sync.orphans.has(ID)).toBe(true);
    // neither destroyed nor started again (resume_guests_state_on_host_boot): not this agent's guest
    expect(driver.guests.get(ID)?.power).toBe(GUEST_POWER.SHUTDOWN);
  });
});
