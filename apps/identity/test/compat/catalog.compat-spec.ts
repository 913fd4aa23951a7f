import { connect } from 'node:net';
import { openrc, openstackJson } from '@kumo/testing';

jest.setTimeout(120_000);

interface CatalogRow {
  Name: string;
  Type: string;
  Endpoints: Array<{ interface: string; url: string; region?: string }>;
}

function tcpConnect(host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, timeout: 5_000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
    socket.once('timeout', () => {
      socket.destroy();
      reject(new Error(`no answer from ${host}:${port} within 5 s`));
    });
    socket.once('error', reject);
  });
}

/**
 * Clients that trust the catalog (openstacksdk, Terraform, tempest's cleanup) call every endpoint
 * it names: against the running stack, each endpoint of `openstack catalog list` accepts a TCP
 * connection and answers a GET of its root and of itself with an HTTP status below 500.
 */
describe('openstack catalog list names only endpoints that answer', () => {
  const admin = openrc('admin');

  it('every endpoint accepts a connection and answers a GET of its root and of itself with no 5xx', async () => {
    const catalog = await openstackJson<CatalogRow[]>(['catalog', 'list'], admin);
    const endpoints = catalog.flatMap((row) => row.Endpoints.map((e) => ({ type: row.Type, ...e })));
    expect(endpoints.length).toBeGreaterThanOrEqual(3);
    const answers: Array<{ type: string; url: string; root: number | string; self: number | string }> = [];
    for (const e of endpoints) {
      const u = new URL(e.url);
      const status = (url: string) =>
        fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(5_000) }).then(
          async (res) => {
            await res.arrayBuffer();
            return res.status;
          },
          (err: Error) => `${err.message} (${(err.cause as Error | undefined)?.message ?? 'no cause'})`,
        );
      const refused = await tcpConnect(u.hostname, Number(u.port || 80)).then(
        () => undefined,
        (err: Error) => `TCP: ${err.message}`,
      );
      answers.push({
        type: e.type,
        url: e.url,
        root: refused ?? (await status(`${u.origin}/`)),
        self: refused ?? (await status(e.url)),
      });
    }
    const bad = answers.filter(
      (a) => typeof a.root !== 'number' || a.root >= 500 || typeof a.self !== 'number' || a.self >= 500,
    );
    expect(bad).toEqual([]);
  });
});
