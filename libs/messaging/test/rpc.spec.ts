import { z } from 'zod';
import { defineContract } from '../src/contracts';
import { RpcBadMessage, RpcInterrupted, RpcTimeout } from '../src/errors';
import { InMemoryBroker, InMemoryMessaging, topicMatches } from '../src/in-memory';
import type { Subscription } from '../src/transport';
import { testContract } from './support/test-contract';
import { recorded, SuiteClients, testHandlers, transportSuite, waitFor } from './support/transport-suite';

describe('InMemoryMessaging', () => {
  const broker = new InMemoryBroker();
  const clients: SuiteClients = { client: broker.client({ rpcTimeoutMs: 5_000 }), serverA: broker.client(), serverB: broker.client() };
  const subs: Subscription[] = [];

  beforeAll(async () => {
    subs.push(await clients.serverA.serve(testContract, testHandlers('host-a'), { server: 'host-a' }));
    subs.push(await clients.serverB.serve(testContract, testHandlers('host-b'), { server: 'host-b' }));
  });
  afterAll(async () => {
    for (const s of subs) await s.close();
    await Promise.all(Object.values(clients).map((c) => c.close()));
  });

  transportSuite(() => clients);

  it('shares untargeted calls between the servers of a topic', async () => {
    recorded.length = 0;
    for (let i = 0; i < 4; i++) await clients.client.rpc(testContract).cast(undefined, 'record', { value: `v${i}` });
    await waitFor(() => recorded.length === 4);
    expect(recorded.map((r) => r.server).sort()).toEqual(['host-a', 'host-a', 'host-b', 'host-b']);
  });

  it('answers a message that is not an envelope with RpcBadMessage, and keeps serving', async () => {
    const replies: string[] = [];
    broker.listenReplies('raw-reply', (m) => replies.push(m.body));
    broker.publish('rpc', 'testsvc.host-a', { body: 'not json', replyTo: 'raw-reply', correlationId: '1' });
    broker.publish('rpc', 'testsvc.host-a', { body: '{"method":"add"}', replyTo: 'raw-reply', correlationId: '2' });
    await waitFor(() => replies.length === 2);
    const names = replies.map((r) => (JSON.parse(r) as { error: { name: string; status: number } }).error);
    expect(names).toEqual([
      { name: RpcBadMessage.name, status: 400, message: 'The message to testsvc is not JSON.' },
      { name: RpcBadMessage.name, status: 400, message: 'The message to testsvc is not an RPC envelope (method, version, args, ctx).' },
    ]);
    await expect(clients.client.rpc(testContract).call(undefined, 'add', { a: 1, b: 1 })).resolves.toEqual({ sum: 2 });
  });

  it('fails a pending call with RpcInterrupted when the connection drops, and works again after', async () => {
    const c = broker.client();
    const states: boolean[] = [];
    c.onConnectionChange((up) => states.push(up));
    const pending = c.rpc(testContract).call(undefined, 'slow', { ms: 200 });
    (c as InMemoryMessaging).dropConnection();
    await expect(pending).rejects.toBeInstanceOf(RpcInterrupted);
    await waitFor(() => states.length === 2);
    expect(states).toEqual([false, true]);
    await expect(c.rpc(testContract).call(undefined, 'add', { a: 2, b: 2 })).resolves.toEqual({ sum: 4 });
    await c.close();
  });

  it('keeps calls for a server that is not running until they expire', async () => {
    const c = broker.client();
    // its queue exists once it has served (as RabbitMQ's durable queues; before that a message is unroutable)
    await (await broker.client().serve(testContract, testHandlers('host-z'), { server: 'host-z' })).close();
    await expect(c.rpc(testContract).call(undefined, 'add', { a: 1, b: 1 }, { server: 'host-z', timeoutMs: 50 })).rejects.toBeInstanceOf(RpcTimeout);
    const late = c.rpc(testContract).call(undefined, 'add', { a: 5, b: 5 }, { server: 'host-z', timeoutMs: 5_000 });
    expect(broker.backlog('testsvc.host-z')).toBe(2);
    const sub = await broker.client().serve(testContract, testHandlers('host-z'), { server: 'host-z' });
    await expect(late).resolves.toEqual({ sum: 10 });
    await sub.close();
    await c.close();
  });

  it('keeps events for a durable subscriber queue while it is closed', async () => {
    const c = broker.client();
    const got: string[] = [];
    const sub = await c.subscribe('kept.*', (t) => void got.push(t), { queue: 'durable-test' });
    await sub.close();
    await clients.client.notify(undefined, 'kept.one', {});
    const again = await c.subscribe('kept.*', (t) => void got.push(t), { queue: 'durable-test' });
    await waitFor(() => got.length === 1);
    expect(got).toEqual(['kept.one']);
    await again.close();
    await c.close();
  });

  it('matches routing keys as a topic exchange does', () => {
    expect(topicMatches('a.*', 'a.b')).toBe(true);
    expect(topicMatches('a.*', 'a.b.c')).toBe(false);
    expect(topicMatches('a.#', 'a')).toBe(true);
    expect(topicMatches('a.#', 'a.b.c')).toBe(true);
    expect(topicMatches('#.c', 'a.b.c')).toBe(true);
    expect(topicMatches('a.b', 'a.c')).toBe(false);
  });
});

describe('defineContract', () => {
  it('refuses a version that is not major.minor, a bad topic and a call without a result', () => {
    expect(() => defineContract({ topic: 'x', version: '1', methods: {} })).toThrow('version "1" is not major.minor');
    expect(() => defineContract({ topic: 'Bad Topic', version: '1.0', methods: {} })).toThrow('is not a dotted lower-case name');
    expect(() => defineContract({ topic: 'x', version: '1.0', methods: { m: { kind: 'call', args: z.object({}) } as never } })).toThrow('call m has no result schema');
  });

  it('types callers and handlers from the schemas', () => {
    const c = new InMemoryMessaging().rpc(testContract);
    // compile-time checks only: these calls are never made
    const typed = (): void => {
      // @ts-expect-error not a method of the contract
      void c.call(undefined, 'nope', {});
      // @ts-expect-error a cast is not called
      void c.call(undefined, 'record', { value: 'x' });
      // @ts-expect-error wrong argument type
      void c.call(undefined, 'add', { a: 'x', b: 1 });
      void c.call(undefined, 'add', { a: 1, b: 2 }).then((r) => r.sum.toFixed());
    };
    expect(typeof typed).toBe('function');
  });
});
