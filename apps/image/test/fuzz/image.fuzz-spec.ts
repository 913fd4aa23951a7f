import { httpRoutes } from '@kumo/common';
import {
  closeAgent,
  expandRoutes,
  fileCounts,
  FuzzTarget,
  glanceFault,
  tableCounts,
  itFuzzesEveryKind,
} from '@kumo/testing';
import { startImageApp, TestImageApp } from '../support/app';

/**
 * The fuzz tier for image: every route Fastify registered, with malformed input (libs/testing), over
 * a real port, as admin (and with no or a bad token). No 5xx, Glance's fault body and a request id
 * on every answer, no row and no stored file created on a refusal, GET /versions answers meanwhile.
 */
describe('image fuzz', () => {
  let t: TestImageApp;
  let target: FuzzTarget;

  beforeAll(async () => {
    t = await startImageApp({ image_size_cap: 4 * 1024 * 1024 });
    const json = { 'content-type': 'application/json' };
    // a queued image of admin's, shared with p-demo and tagged, so that cases reach past the lookups
    const image = (await (
      await t.as('admin', '/v2/images', {
        method: 'POST',
        headers: json,
        body: JSON.stringify({
          name: 'fuzz',
          disk_format: 'raw',
          container_format: 'bare',
          visibility: 'shared',
        }),
      })
    ).json()) as { id: string };
    const member = await t.as('admin', `/v2/images/${image.id}/members`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ member: 'p-demo' }),
    });
    if (member.status !== 200) throw new Error(`member: ${member.status} ${await member.text()}`);
    const tag = await t.as('admin', `/v2/images/${image.id}/tags/fuzz-tag`, { method: 'PUT' });
    if (tag.status !== 204) throw new Error(`tag: ${tag.status} ${await tag.text()}`);
    const patch = 'application/openstack-images-v2.1-json-patch';
    target = {
      baseUrl: t.url,
      routes: expandRoutes(httpRoutes(t.app).map((r) => ({ method: r.method, path: r.url }))),
      fault: glanceFault,
      probe: { method: 'GET', path: '/versions' },
      snapshot: async () => ({
        ...(await tableCounts((sql) => t.db.dataSource.query(sql))),
        ...fileCounts(t.config.image.file_dir, /.+/),
      }),
      cases: {
        fixtures: { images: image.id, members: 'p-demo', tags: 'fuzz-tag' },
        auth: { 'x-auth-token': 'admin' },
        headers: { accept: 'application/json' },
        // Glance's bodies are not wrapped in a resource key
        bodyKey: () => undefined,
        extraBodies: (route) =>
          route.method === 'PATCH'
            ? [
                [patch, '[{"op":"add","path":"/__proto__","value":1}]'],
                [patch, '[{"op":"add","path":"/constructor/prototype/x","value":1}]'],
                [patch, '[{"op":"replace","path":"/name","value":"a\\u0000b"}]'],
                [patch, '[{"op":"bogus","path":"/name"}]'],
                [patch, '[{"op":"add","path":"/tags/-","value":1}]'],
                [patch, '[{"op":"remove","path":"/toString"}]'],
                [patch, '{"op":"add"}'],
                [patch, '[{"op":"add","path":"","value":{}}]'],
                [patch, '[{"op":"add","path":"/~1","value":"x"}]'],
                [
                  patch,
                  JSON.stringify(
                    Array.from({ length: 2000 }, (_, i) => ({ op: 'add', path: `/p${i}`, value: 'v' })),
                  ),
                ],
                ['application/openstack-images-v2.0-json-patch', '[{"replace":"/name","value":null}]'],
                ['application/openstack-images-v2.0-json-patch', '[{"add":"/__proto__","value":"x"}]'],
                ['application/openstack-images-v2.0-json-patch', '[{"remove":"/constructor"}]'],
              ]
            : [],
      },
    };
  }, 60_000);

  afterAll(async () => {
    closeAgent();
    await t?.close();
  });

  it('reads its routes from the app', () => {
    expect(target.routes).toContainEqual({ method: 'PUT', path: '/v2/images/:id/file' });
    expect(target.routes).toContainEqual({ method: 'DELETE', path: '/v2/images/:id/members/:member' });
  });

  itFuzzesEveryKind(() => target, 'Glance');
});
