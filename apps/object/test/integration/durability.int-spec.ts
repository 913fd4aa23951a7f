import { closeSync, existsSync, openSync, readdirSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { metadataTrailer, readDataFile } from '../../src/storage/data-file';
import { hashPath } from '../../src/storage/hash';
import { TestCluster } from '../support/cluster';

/**
 * Durability of the object service in one process: four storage nodes (one device, one zone each,
 * three replicas, so every partition has a handoff), the real proxy, the replicator, auditor and
 * updater. Nodes are stopped and restarted on the same ports and directories.
 */
jest.setTimeout(30_000);

describe('object cluster durability', () => {
  const cluster = new TestCluster();

  beforeAll(() => cluster.start(4));
  afterAll(() => cluster.stop());

  /** Which node indexes hold a live copy (a .data file) of the object. */
  function holders(container: string, object: string): number[] {
    const part = cluster.rings.object.getPartition('AUTH_p1', container, object);
    const hash = hashPath(cluster.hashPath, 'AUTH_p1', container, object);
    return cluster.nodes
      .filter((n) => {
        const dir = join(n.devicesRoot, n.device, 'objects', String(part), hash.slice(-3), hash);
        return existsSync(dir) && readdirSync(dir).some((f) => f.endsWith('.data'));
      })
      .map((n) => n.index);
  }

  function primaries(container: string, object: string): number[] {
    return cluster.rings.object
      .getNodes('AUTH_p1', container, object)
      .nodes.map((d) => cluster.nodeOfDevice(d).index)
      .sort();
  }

  async function put(container: string, object: string, body: string | Buffer, headers: Record<string, string> = {}): Promise<number> {
    const r = await cluster.fetch(`/${container}/${object}`, { method: 'PUT', body, headers });
    await r.arrayBuffer();
    return r.status;
  }

  async function get(container: string, object: string): Promise<{ status: number; body: string }> {
    const r = await cluster.fetch(`/${container}/${object}`);
    return { status: r.status, body: await r.text() };
  }

  it('creates a container', async () => {
    const r = await cluster.fetch('/c1', { method: 'PUT' });
    expect(r.status).toBe(201);
  });

  it('writes to a handoff while a primary is down, and hands the copy back after a replication pass', async () => {
    const down = primaries('c1', 'h1')[0];
    await cluster.stopNode(down);
    try {
      await expect(put('c1', 'h1', 'hello handoff')).resolves.toBe(201);
      const now = holders('c1', 'h1');
      expect(now).toHaveLength(3);
      expect(now).not.toContain(down);
      await expect(get('c1', 'h1')).resolves.toEqual({ status: 200, body: 'hello handoff' });
    } finally {
      await cluster.startNode(down);
    }
    await cluster.replicateAll();
    expect(holders('c1', 'h1').sort()).toEqual(primaries('c1', 'h1'));
    await expect(get('c1', 'h1')).resolves.toEqual({ status: 200, body: 'hello handoff' });
  });

  it('deletes through a handoff tombstone while a primary is down; the primary learns it by replication', async () => {
    await expect(put('c1', 'd1', 'to be deleted')).resolves.toBe(201);
    const down = primaries('c1', 'd1')[1];
    await cluster.stopNode(down);
    try {
      const r = await cluster.fetch('/c1/d1', { method: 'DELETE' });
      expect(r.status).toBe(204);
    } finally {
      await cluster.startNode(down);
    }
    // the restarted primary still has the old data until the replicators run
    expect(holders('c1', 'd1')).toEqual([down]);
    await cluster.replicateAll();
    expect(holders('c1', 'd1')).toEqual([]);
    await expect(get('c1', 'd1')).resolves.toMatchObject({ status: 404 });
  });

  it('replicates a POST (newer metadata) to a primary that missed it', async () => {
    await expect(put('c1', 'm1', 'meta', { 'x-object-meta-color': 'red' })).resolves.toBe(201);
    const down = primaries('c1', 'm1')[2];
    await cluster.stopNode(down);
    try {
      const r = await cluster.fetch('/c1/m1', { method: 'POST', headers: { 'x-object-meta-color': 'blue' } });
      expect(r.status).toBe(202);
    } finally {
      await cluster.startNode(down);
    }
    await cluster.replicateAll();
    const dev = cluster.objectDevice(down);
    const part = cluster.rings.object.getPartition('AUTH_p1', 'c1', 'm1');
    const direct = await fetch(`http://127.0.0.1:${dev.port}/${dev.device}/${part}/AUTH_p1/c1/m1`, { method: 'HEAD' });
    expect(direct.headers.get('x-object-meta-color')).toBe('blue');
  });

  it('restores three copies on the primaries after a node was down during a run of uploads', async () => {
    const down = 2;
    await cluster.stopNode(down);
    const names = Array.from({ length: 30 }, (_, i) => `run/${i}`);
    try {
      for (const n of names) await expect(put('c1', n, `body of ${n}`)).resolves.toBe(201);
      for (const n of names) await expect(get('c1', n)).resolves.toEqual({ status: 200, body: `body of ${n}` });
    } finally {
      await cluster.startNode(down);
    }
    await cluster.replicateAll();
    for (const n of names) expect(holders('c1', n).sort()).toEqual(primaries('c1', n));
  });

  it('serves the right bytes from a corrupt replica, quarantines it, and the replicator restores it', async () => {
    await expect(put('c1', 'x1', 'the right bytes')).resolves.toBe(201);
    const first = primaries('c1', 'x1').map((i) => i);
    const { nodes, part } = cluster.rings.object.getNodes('AUTH_p1', 'c1', 'x1');
    const victim = cluster.nodeOfDevice(nodes[0]);
    const hash = hashPath(cluster.hashPath, 'AUTH_p1', 'c1', 'x1');
    const dir = join(victim.devicesRoot, victim.device, 'objects', String(part), hash.slice(-3), hash);
    const data = readdirSync(dir).find((f) => f.endsWith('.data'))!;
    const bytes = readFileSync(join(dir, data));
    bytes.write('THE'); // the body's first bytes: its metadata trailer stays whole
    writeFileSync(join(dir, data), bytes);
    // the proxy reads the first primary first: it notices, quarantines and the proxy moves on
    await expect(get('c1', 'x1')).resolves.toEqual({ status: 200, body: 'the right bytes' });
    expect(holders('c1', 'x1')).not.toContain(victim.index);
    await cluster.replicateAll();
    expect(holders('c1', 'x1').sort()).toEqual(first.sort());
    expect(readDataFile(join(dir, data)).body?.toString()).toBe('the right bytes');
  });

  it('lets the auditor find a corrupt copy nobody read', async () => {
    await expect(put('c1', 'x2', 'audited bytes')).resolves.toBe(201);
    const { nodes, part } = cluster.rings.object.getNodes('AUTH_p1', 'c1', 'x2');
    const victim = cluster.nodeOfDevice(nodes[1]);
    const hash = hashPath(cluster.hashPath, 'AUTH_p1', 'c1', 'x2');
    const dir = join(victim.devicesRoot, victim.device, 'objects', String(part), hash.slice(-3), hash);
    writeFileSync(join(dir, readdirSync(dir).find((f) => f.endsWith('.data'))!), 'audited bytez');
    const stats = await cluster.auditor(victim.index).runOnce();
    expect(stats.quarantined).toBe(1);
    expect(holders('c1', 'x2')).not.toContain(victim.index);
    await cluster.replicateAll();
    expect(holders('c1', 'x2')).toContain(victim.index);
    expect((await cluster.auditor(victim.index).runOnce()).quarantined).toBe(0);
  });

  it('audits an object of several reads: a byte flipped in its last MiB is found, the intact copies pass', async () => {
    const body = Buffer.alloc(2.5 * 1024 * 1024, 'abcdefgh');
    await expect(put('c1', 'x3', body)).resolves.toBe(201);
    const { nodes, part } = cluster.rings.object.getNodes('AUTH_p1', 'c1', 'x3');
    const [victim, intact] = [cluster.nodeOfDevice(nodes[0]), cluster.nodeOfDevice(nodes[1])];
    const hash = hashPath(cluster.hashPath, 'AUTH_p1', 'c1', 'x3');
    const dir = join(victim.devicesRoot, victim.device, 'objects', String(part), hash.slice(-3), hash);
    const fd = openSync(join(dir, readdirSync(dir).find((f) => f.endsWith('.data'))!), 'r+');
    writeSync(fd, Buffer.from('Z'), 0, 1, body.length - 1000);
    closeSync(fd);
    expect((await cluster.auditor(intact.index).runOnce()).quarantined).toBe(0);
    const stats = await cluster.auditor(victim.index).runOnce();
    expect(stats.quarantined).toBe(1);
    expect(stats.bytes).toBeGreaterThanOrEqual(body.length);
    expect(holders('c1', 'x3')).not.toContain(victim.index);
  });

  it('catches the listing up through async pendings after a container server was down', async () => {
    const { nodes } = cluster.rings.container.getNodes('AUTH_p1', 'c1');
    const down = cluster.nodes.find((n) => n.ports.container === nodes[0].port)!.index;
    await cluster.stopNode(down);
    try {
      for (let i = 0; i < 5; i++) await expect(put('c1', `late/${i}`, 'x')).resolves.toBe(201);
    } finally {
      await cluster.startNode(down);
    }
    const listingOn = async () => {
      const r = await fetch(`http://127.0.0.1:${nodes[0].port}/${nodes[0].device}/${cluster.rings.container.getPartition('AUTH_p1', 'c1')}/AUTH_p1/c1?prefix=late/`);
      return ((await r.json()) as Array<{ name: string }>).map((x) => x.name);
    };
    await expect(listingOn()).resolves.toEqual([]);
    for (const n of cluster.nodes) await n.node!.objects.pendings.runOnce(n.device);
    await expect(listingOn()).resolves.toEqual(['late/0', 'late/1', 'late/2', 'late/3', 'late/4']);
  });

  it('replicates a container created, and its metadata posted, while one of its servers was down', async () => {
    const { part, nodes } = cluster.rings.container.getNodes('AUTH_p1', 'c2');
    const down = cluster.nodes.find((n) => n.ports.container === nodes[2].port)!.index;
    await cluster.stopNode(down);
    try {
      expect((await cluster.fetch('/c2', { method: 'PUT' })).status).toBe(201);
      expect((await cluster.fetch('/c2', { method: 'POST', headers: { 'x-container-meta-owner': 'ops' } })).status).toBe(204);
      await expect(put('c2', 'o1', 'x')).resolves.toBe(201);
    } finally {
      await cluster.startNode(down);
    }
    const direct = () => fetch(`http://127.0.0.1:${nodes[2].port}/${nodes[2].device}/${part}/AUTH_p1/c2`);
    expect((await direct()).status).toBe(404);
    await cluster.replicateAll();
    const r = await direct();
    expect(r.status).toBe(200);
    expect(r.headers.get('x-container-meta-owner')).toBe('ops');
    expect(((await r.json()) as Array<{ name: string }>).map((x) => x.name)).toEqual(['o1']);
  });

  it('finishes a large GET from another replica when the serving node dies mid-stream', async () => {
    const body = Buffer.alloc(12 * 1024 * 1024);
    for (let i = 0; i < body.length; i += 4) body.writeUInt32BE(i, i);
    await expect(put('c1', 'big', body)).resolves.toBe(201);
    const first = cluster.nodeOfDevice(cluster.rings.object.getNodes('AUTH_p1', 'c1', 'big').nodes[0]).index;
    const r = await cluster.fetch('/c1/big');
    expect(r.status).toBe(200);
    const reader = r.body!.getReader();
    const chunks: Buffer[] = [Buffer.from((await reader.read()).value!)];
    await cluster.stopNode(first);
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        chunks.push(Buffer.from(value));
      }
    } finally {
      await cluster.startNode(first);
    }
    expect(Buffer.concat(chunks).equals(body)).toBe(true);
  });

  it('quarantines a replica whose data file lost its metadata trailer when it is read', async () => {
    await expect(put('c1', 'x2', 'the right bytes')).resolves.toBe(201);
    const { nodes, part } = cluster.rings.object.getNodes('AUTH_p1', 'c1', 'x2');
    const victim = cluster.nodeOfDevice(nodes[0]);
    const hash = hashPath(cluster.hashPath, 'AUTH_p1', 'c1', 'x2');
    const dir = join(victim.devicesRoot, victim.device, 'objects', String(part), hash.slice(-3), hash);
    writeFileSync(join(dir, readdirSync(dir).find((f) => f.endsWith('.data'))!), 'the wrong bytes');
    await expect(get('c1', 'x2')).resolves.toEqual({ status: 200, body: 'the right bytes' });
    expect(holders('c1', 'x2')).not.toContain(victim.index);
  });

  it('reads a large object right although the first copy is corrupt: checked per block, resumed elsewhere, quarantined', async () => {
    const body = Buffer.alloc(6 * 1024 * 1024, 7);
    await expect(put('c1', 'big-corrupt', body)).resolves.toBe(201);
    const { nodes, part } = cluster.rings.object.getNodes('AUTH_p1', 'c1', 'big-corrupt');
    const victim = cluster.nodeOfDevice(nodes[0]);
    const hash = hashPath(cluster.hashPath, 'AUTH_p1', 'c1', 'big-corrupt');
    const dir = join(victim.devicesRoot, victim.device, 'objects', String(part), hash.slice(-3), hash);
    const data = join(dir, readdirSync(dir).find((f) => f.endsWith('.data'))!);
    const bytes = readFileSync(data);
    bytes[body.length - 10] = 8; // in the body's last block (the metadata follows it)
    writeFileSync(data, bytes);
    const r = await cluster.fetch('/c1/big-corrupt');
    expect(Buffer.from(await r.arrayBuffer()).equals(body)).toBe(true);
    expect(holders('c1', 'big-corrupt')).not.toContain(victim.index);
    // a copy written before block checksums existed: the read is cut short rather than wrong
    const legacy = 'big-legacy';
    await expect(put('c1', legacy, body)).resolves.toBe(201);
    const l = cluster.rings.object.getNodes('AUTH_p1', 'c1', legacy);
    const lv = cluster.nodeOfDevice(l.nodes[0]);
    const lh = hashPath(cluster.hashPath, 'AUTH_p1', 'c1', legacy);
    const ldir = join(lv.devicesRoot, lv.device, 'objects', String(l.part), lh.slice(-3), lh);
    const ldata = join(ldir, readdirSync(ldir).find((f) => f.endsWith('.data'))!);
    const { meta } = readDataFile(ldata);
    delete meta.blockCrcs;
    const lbytes = Buffer.from(body);
    lbytes[100] = 9;
    writeFileSync(ldata, Buffer.concat([lbytes, metadataTrailer(meta)]));
    await expect((await cluster.fetch(`/c1/${legacy}`)).arrayBuffer()).rejects.toThrow();
    expect(Buffer.from(await (await cluster.fetch(`/c1/${legacy}`)).arrayBuffer()).equals(body)).toBe(true);
  });

  it('asks peers only about partitions that changed here, except on full passes', async () => {
    const rep = cluster.replicator(0, 3); // passes 0 and 3 are full
    expect((await rep.runOnce()).partitionsUnchanged).toBe(0);
    const quiet = await rep.runOnce();
    expect(quiet.partitionsUnchanged).toBeGreaterThan(0);
    // an object written while one of its primaries was down: node 0 holds it, the restarted primary not
    let k = 0;
    const primariesOf = (n: string) => cluster.rings.object.getNodes('AUTH_p1', 'c1', n).nodes.map((d) => cluster.nodeOfDevice(d).index);
    while (!primariesOf(`skip-${k}`).includes(0)) k++;
    const name = `skip-${k}`;
    const missing = primariesOf(name).find((i) => i !== 0)!;
    await cluster.stopNode(missing);
    try {
      await expect(put('c1', name, 'changed here')).resolves.toBe(201);
    } finally {
      await cluster.startNode(missing);
    }
    expect(holders('c1', name)).not.toContain(missing);
    const incremental = await rep.runOnce();
    expect(incremental.partitionsUnchanged).toBeGreaterThan(0);
    expect(holders('c1', name)).toContain(missing);
    expect((await rep.runOnce()).partitionsUnchanged).toBe(0);
  });
});
