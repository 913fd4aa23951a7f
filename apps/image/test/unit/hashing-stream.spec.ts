import { createHash, randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { PayloadTooLarge } from '@kumo/common';
import { hashBufferSetsMade, hashThreadCount, HashingStream, HashThreads } from '../../src/drivers/hashing-stream';

/** Pipes `body` in uneven chunks through a HashingStream and returns it with the bytes that came out. */
async function run(body: Buffer, max: number, expected?: number, threads?: HashThreads): Promise<{ h: HashingStream; out: Buffer }> {
  const chunks: Buffer[] = [];
  for (let off = 0, i = 0; off < body.length; i++) {
    const n = [1, 4096, 65536, 300_000, 1024 * 1024 + 7][i % 5];
    chunks.push(body.subarray(off, off + n));
    off += n;
  }
  const h = new HashingStream(max, expected, threads);
  const got: Buffer[] = [];
  await pipeline(
    Readable.from(chunks),
    h,
    new Writable({
      write(c: Buffer, _e, cb) {
        got.push(c);
        cb();
      },
    }),
  );
  return { h, out: Buffer.concat(got) };
}

describe('HashingStream', () => {
  const body = randomBytes(9 * 1024 * 1024 + 12345);
  const md5 = createHash('md5').update(body).digest('hex');
  const sha512 = createHash('sha512').update(body).digest('hex');

  it.each([1, 2] as const)('hashes a big upload on %i worker thread(s) and passes every byte on unchanged', async (threads) => {
    const { h, out } = await run(body, 1 << 30, undefined, threads);
    expect([h.checksum, h.hash, h.size]).toEqual([md5, sha512, body.length]);
    expect(out.equals(body)).toBe(true);
    expect(h.head.equals(body.subarray(0, 512))).toBe(true);
  });

  it('takes a thread per digest only where there are more than two cores', () => {
    expect([1, 2, 3, 8].map((cores) => hashThreadCount('auto', cores))).toEqual([1, 1, 2, 2]);
    expect([hashThreadCount(1, 8), hashThreadCount(2, 2)]).toEqual([1, 2]);
  });

  it('hashes a small upload inline, with the same results', async () => {
    const small = body.subarray(0, 70_000);
    const { h } = await run(small, 1 << 30, small.length);
    expect([h.checksum, h.hash]).toEqual([createHash('md5').update(small).digest('hex'), createHash('sha512').update(small).digest('hex')]);
  });

  it('fails with 413 past the cap, also while a worker hashes', async () => {
    await expect(run(body, 5 * 1024 * 1024)).rejects.toBeInstanceOf(PayloadTooLarge);
  });

  it('hands its shared buffers on to later uploads, finished or failed, instead of allocating more', async () => {
    await run(body, 1 << 30);
    const made = hashBufferSetsMade();
    await expect(run(body, 5 * 1024 * 1024)).rejects.toBeInstanceOf(PayloadTooLarge);
    const again = await run(body, 1 << 30, undefined, 2);
    expect(again.h.checksum).toBe(md5);
    expect(hashBufferSetsMade()).toBe(made);
    // two at once need two sets
    await Promise.all([run(body, 1 << 30), run(body, 1 << 30)]);
    expect(hashBufferSetsMade()).toBe(made + 1);
  });
});
