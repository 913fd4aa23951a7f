import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { createLogger } from '@kumo/common';
import { MessagingClient } from '@kumo/messaging';
import { FakeTokenValidator } from '../src/fake-token-validator';
import { startServiceAuth } from '../src/service-auth';

const URL = process.env.KUMO_TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

jest.setTimeout(60_000);

/** Every token valid for an hour, its user `user-<token>`. */
const alwaysValid = () => new FakeTokenValidator((token) => ({ userId: `user-${token}`, projectId: 'p1', roles: ['member'] }));

async function waitFor(predicate: () => boolean, timeoutMs = 20_000): Promise<void> {
  const started = Date.now();
  while (!predicate()) {
    if (Date.now() - started > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Closes, on the broker's side, this process's connections named `kumo <service> <pid>`. */
function dropConnections(service: string): number {
  const name = `kumo ${service} ${process.pid}`;
  const out = execFileSync('rabbitmqctl', ['-q', 'list_connections', 'pid', 'client_properties'], {
    encoding: 'utf8',
  });
  const pids = out
    .split('\n')
    .filter((l) => l.includes(`{"connection_name","${name}"}`))
    .map((l) => l.split('\t')[0]);
  for (const pid of pids)
    execFileSync('rabbitmqctl', ['-q', 'close_connection', pid, 'kumo test: bus outage'], {
      stdio: 'ignore',
    });
  return pids.length;
}

/** The start-up path of every service against RabbitMQ: revocations evict, an outage shortens the TTL. */
describe('startServiceAuth against RabbitMQ', () => {
  // one fixed prefix (its two durable exchanges are reused run after run; the queues are exclusive)
  const prefix = 'test-auth';
  const service = `auth-test-${randomBytes(4).toString('hex')}`;
  const messages: string[] = [];
  const logger = createLogger(
    'test',
    'info',
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        for (const l of chunk.toString().split('\n').filter(Boolean))
          messages.push((JSON.parse(l) as { msg: string }).msg);
        cb();
      },
    }),
  );
  const credentials = { auth_url: 'http://127.0.0.1:1/v3', username: 'kumo', password: 'unused' };
  let publisher: MessagingClient;

  beforeAll(async () => {
    publisher = new MessagingClient({
      url: URL,
      exchangePrefix: prefix,
      connectionName: `kumo test ${prefix}`,
    });
    await publisher.ready();
  });
  afterAll(async () => {
    await publisher.close();
  });

  it('evicts on a published revocation, falls to 30 s while its connection is down and says so, and comes back', async () => {
    const auth = startServiceAuth({
      service,
      credentials,
      messaging: { url: URL, exchange_prefix: prefix },
      logger,
      identity: alwaysValid(),
    });
    await auth.revocationFeedReady();
    const v = auth.validator;
    expect(v.maxAgeMs).toBe(300_000);
    await Promise.all(['a', 'b'].map((t) => v.validate(t)));
    await publisher.notify(undefined, 'identity.token.revoked', {
      userId: 'user-a',
      issuedBefore: new Date().toISOString(),
    });
    await waitFor(() => v.size === 1, 5_000);

    expect(dropConnections(service)).toBe(1);
    await waitFor(() => v.maxAgeMs === 30_000);
    expect(messages).toContainEqual(
      expect.stringContaining(
        'message bus unreachable: token revocations cannot reach this service, so validations are cached for at most 30 s',
      ),
    );
    // it reconnects after 1 s, re-subscribes, and drops what it cached meanwhile
    await waitFor(() => v.maxAgeMs === 300_000);
    expect(messages).toContainEqual(expect.stringContaining('message bus reachable again'));
    expect(v.size).toBe(0);
    await v.validate('b');
    await publisher.notify(undefined, 'identity.token.revoked', { auditIds: ['audit-b'] });
    await waitFor(() => v.size === 0, 5_000);
    const logged = messages.length;
    await auth.close();
    // closing is not an outage
    expect(messages.slice(logged).filter((m) => m.includes('unreachable'))).toEqual([]);
  });
});
