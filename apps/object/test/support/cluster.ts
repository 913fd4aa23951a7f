import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@kumo/common';
import { FakeTokenValidator } from '@kumo/testing';
import { ProxyServer } from '../../src/proxy/proxy.server';
import { Ring } from '../../src/ring/ring';
import { RingBuilder } from '../../src/ring/ring-builder';
import type { RingDevice } from '../../src/ring/ring-types';
import { ObjectAuditor } from '../../src/storage/auditor';
import { DbReplicator } from '../../src/storage/db-replicator';
import { ObjectReplicator } from '../../src/storage/replicator';
import { StorageNode } from '../../src/storage/storage.server';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Tokens of this test cluster: `admin-token` is admin of project p1; anything else is refused. */
export const testValidator = new FakeTokenValidator({
  'admin-token': { userId: 'u1', userName: 'admin', projectId: 'p1', projectName: 'admin', roles: ['admin', 'member', 'reader'] },
});

export interface TestNode {
  index: number;
  ports: { object: number; container: number; account: number };
  devicesRoot: string;
  device: string;
  node?: StorageNode;
}

/**
 * An in-process object cluster for tests: `n` storage nodes (one device each, one zone each), rings with
 * 3 replicas, and a proxy with a fixed-token validator. Nodes can be stopped and started again on
 * the same ports and directories.
 */
export class TestCluster {
  readonly root = mkdtempSync(join(tmpdir(), 'kumo-cluster-'));
  readonly hashPath = { prefix: 'test-prefix', suffix: 'test-suffix' };
  readonly logger = createLogger('object-test', process.env.KUMO_TEST_LOG ?? 'silent');
  nodes: TestNode[] = [];
  rings!: { account: Ring; container: Ring; object: Ring };
  proxy!: ProxyServer;
  proxyUrl = '';

  async start(n = 4, partPower = 6): Promise<void> {
    for (let i = 0; i < n; i++) {
      const devicesRoot = join(this.root, `node${i + 1}`);
      mkdirSync(join(devicesRoot, `d${i + 1}`), { recursive: true });
      // ports chosen by the system when the node first binds them (then kept across restarts)
      this.nodes.push({ index: i, devicesRoot, device: `d${i + 1}`, ports: { object: 0, container: 0, account: 0 } });
      await this.startNode(i);
    }
    const ring = (kind: 'object' | 'container' | 'account') => {
      const b = RingBuilder.create(partPower, 3, 0);
      for (const node of this.nodes) b.addDevice({ region: 1, zone: node.index + 1, ip: '127.0.0.1', port: node.ports[kind], device: node.device, weight: 100 });
      b.rebalance(1);
      return new Ring(b.toRingData(), this.hashPath);
    };
    this.rings = { account: ring('account'), container: ring('container'), object: ring('object') };
    this.proxy = new ProxyServer({ accountRing: this.rings.account, containerRing: this.rings.container, objectRing: this.rings.object, validator: testValidator, logger: this.logger, identityUri: 'http://127.0.0.1:1', postQuorumMs: 30_000 });
    await this.proxy.listen(0, '127.0.0.1');
    this.proxyUrl = `http://127.0.0.1:${this.proxy.port()}/v1/AUTH_p1`;
  }

  async startNode(i: number): Promise<void> {
    const n = this.nodes[i];
    n.node = new StorageNode({ devicesRoot: n.devicesRoot, hashPath: this.hashPath, bindHost: '127.0.0.1', objectPort: n.ports.object, containerPort: n.ports.container, accountPort: n.ports.account, logger: this.logger });
    await n.node.start();
    n.ports = n.node.ports();
  }

  async stopNode(i: number): Promise<void> {
    await this.nodes[i].node?.stop();
    this.nodes[i].node = undefined;
  }

  /** The ring device of node i in the object ring. */
  objectDevice(i: number): RingDevice {
    return this.rings.object.devices.find((d) => d.port === this.nodes[i].ports.object)!;
  }

  nodeOfDevice(dev: RingDevice): TestNode {
    return this.nodes.find((n) => n.ports.object === dev.port)!;
  }

  replicator(i: number, reclaimEvery?: number): ObjectReplicator {
    const n = this.nodes[i];
    return new ObjectReplicator({ devicesRoot: n.devicesRoot, objectRing: this.rings.object, isLocal: (d) => d.port === n.ports.object, logger: this.logger, hashes: n.node?.objects.hashes, reclaimEvery });
  }

  auditor(i: number): ObjectAuditor {
    const n = this.nodes[i];
    return new ObjectAuditor({ devicesRoot: n.devicesRoot, devices: () => [n.device], bytesPerSecond: 0, logger: this.logger, quarantine: (f, why) => n.node!.objects.quarantine(f, why) });
  }

  dbReplicator(i: number, kind: 'container' | 'account'): DbReplicator {
    const n = this.nodes[i];
    return new DbReplicator({ kind, devicesRoot: n.devicesRoot, ring: this.rings[kind], isLocal: (d) => d.port === n.ports[kind], open: (k, path) => n.node!.dbAt(k, path), logger: this.logger });
  }

  /** One replication pass (objects, containers, accounts) on every running node. */
  async replicateAll(): Promise<void> {
    for (const n of this.nodes) {
      if (!n.node) continue;
      await this.replicator(n.index).runOnce();
      await this.dbReplicator(n.index, 'container').runOnce();
      await this.dbReplicator(n.index, 'account').runOnce();
    }
  }

  fetch(path: string, init: RequestInit = {}): Promise<Response> {
    return fetch(`${this.proxyUrl}${path}`, { ...init, headers: { 'x-auth-token': 'admin-token', ...(init.headers as Record<string, string> | undefined) } });
  }

  async stop(): Promise<void> {
    await this.proxy?.close();
    for (const n of this.nodes) await n.node?.stop();
    rmSync(this.root, { recursive: true, force: true });
  }
}
