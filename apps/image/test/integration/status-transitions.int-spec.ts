import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { request } from 'node:http';
import { startImageApp, TestImageApp } from '../support/app';

jest.setTimeout(30_000);

const JSON_BODY = { 'content-type': 'application/json' };

/**
 * The image status changes by compare-and-set (libs/db's StateTransitions): queued → saving → active,
 * back to queued on a failed upload, active ⇄ deactivated. What the other request finds decides its answer.
 */
describe('image status transitions', () => {
  let t: TestImageApp;
  beforeAll(async () => {
    t = await startImageApp();
  });
  afterAll(() => t.close());

  const create = async () => {
    const r = await t.as('demo', '/v2/images', { method: 'POST', headers: JSON_BODY, body: JSON.stringify({ name: 'cas', disk_format: 'raw', container_format: 'bare' }) });
    return ((await r.json()) as { id: string }).id;
  };
  const status = async (id: string) => ((await (await t.as('admin', `/v2/images/${id}`)).json()) as { status: string }).status;
  const waitFor = async (id: string, want: string) => {
    for (let i = 0; i < 50 && (await status(id)) !== want; i++) await new Promise((r) => setTimeout(r, 50));
    expect(await status(id)).toBe(want);
  };

  /** An upload whose body arrives in two halves: the first now, the second when `finish` is called. */
  const slowUpload = (id: string) => {
    const url = new URL(t.url);
    const total = 1_000_000;
    let finish!: () => void;
    const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request({ host: url.hostname, port: url.port, method: 'PUT', path: `/v2/images/${id}/file`, headers: { 'x-auth-token': 'demo', 'content-type': 'application/octet-stream', 'content-length': total } }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      });
      req.on('error', reject);
      req.write(randomBytes(total / 2));
      finish = () => req.end(randomBytes(total / 2));
    });
    return { answer, finish: () => finish() };
  };

  it('lets one upload claim a queued image; one arriving meanwhile gets 409 naming the status it found', async () => {
    const id = await create();
    const first = slowUpload(id);
    await waitFor(id, 'saving');
    const second = await t.as('demo', `/v2/images/${id}/file`, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: 'x' });
    expect(second.status).toBe(409);
    expect(await second.text()).toContain(`Image ${id} is saving: data can only be uploaded to a queued image`);
    first.finish();
    expect((await first.answer).status).toBe(204);
    expect(await status(id)).toBe('active');
  });

  it('keeps nothing of an upload whose image was deleted meanwhile (410), and the image stays deleted', async () => {
    const id = await create();
    const upload = slowUpload(id);
    await waitFor(id, 'saving');
    expect((await t.as('demo', `/v2/images/${id}`, { method: 'DELETE' })).status).toBe(204);
    upload.finish();
    const answer = await upload.answer;
    expect(answer.status).toBe(410);
    expect(answer.body).toContain(`Image ${id} was deleted during the upload`);
    expect(readdirSync(t.config.image.file_dir).filter((f) => f.startsWith(id))).toEqual([]);
    expect((await t.as('admin', `/v2/images/${id}`)).status).toBe(404);
  });

  it('deactivates and reactivates once each way; a repeat is a 204 that changes nothing', async () => {
    const id = await create();
    expect((await t.as('demo', `/v2/images/${id}/file`, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: 'data' })).status).toBe(204);
    const answers = await Promise.all([1, 2, 3].map(() => t.as('demo', `/v2/images/${id}/actions/deactivate`, { method: 'POST' })));
    expect(answers.map((a) => a.status)).toEqual([204, 204, 204]);
    expect(await status(id)).toBe('deactivated');
    expect((await t.as('demo', `/v2/images/${id}/actions/reactivate`, { method: 'POST' })).status).toBe(204);
    expect(await status(id)).toBe('active');
  });
});
