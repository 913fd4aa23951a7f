import {
  ImageRun,
  StoreCeiling,
  Transfer,
  combineCeilings,
  combineImageRuns,
  compare,
  comparisonTable,
  goals,
  hashBound,
  hashCeiling,
  mbps,
  runsTable,
  steadyGoals,
} from '../src/image-report';

const transfer = (mbPerSecond: number, peakRssMiB: number | null, cpuSeconds = 5): Transfer => ({
  mbPerSecond,
  seconds: 1024 / mbPerSecond,
  peakRssMiB,
  cpuSeconds,
  machineBusy: 0.5,
});

function run(
  target: string,
  store: 'file' | 'object',
  up: number,
  down: number,
  rss: number,
  round = 1,
): ImageRun {
  return {
    target,
    store,
    round,
    url: 'http://x',
    pid: 1,
    processes: 1,
    upload: transfer(up, rss),
    download: transfer(down, rss + 10),
    rssAfterMiB: rss - 5,
    pssAfterMiB: rss - 20,
  };
}

const hash = hashCeiling(600, 400); // one thread: 1 / (1/600 + 1/400) = 240
const ceilings: StoreCeiling[] = [
  { store: 'file', write: 200, read: 2000, how: 'file' },
  { store: 'object', write: 300, read: 500, how: 'object' },
];

describe('bench image report', () => {
  it('computes MB/s and the hash bound for the cores', () => {
    expect(mbps(2 ** 30, 10)).toBe(107.4);
    expect(hash).toEqual({ md5: 600, sha512: 400, twoThreads: 400, oneThread: 240 });
    expect(hashBound(hash, 2)).toBe(240);
    expect(hashBound(hash, 4)).toBe(400);
  });

  it('reports a service and store measured in several rounds as the mean of its runs', () => {
    const a = run('kumo', 'file', 100, 300, 120, 1);
    const b = run('kumo', 'file', 200, 500, 150, 2);
    const c = combineImageRuns([a, b]);
    expect(c.round).toBe(0);
    expect(c.upload?.mbPerSecond).toBe(150);
    expect(c.download?.mbPerSecond).toBe(400);
    expect(c.upload?.peakRssMiB).toBe(150);
    expect(c.download?.peakRssMiB).toBe(160);
    expect(c.rssAfterMiB).toBe(145);
    expect(c.pssAfterMiB).toBe(130);
    expect(c.failure).toBeUndefined();
    // a round that failed after its upload counts for the upload only, and says so
    const d = combineImageRuns([a, { ...b, download: undefined, failure: 'download answered 500' }]);
    expect(d.upload?.mbPerSecond).toBe(150);
    expect(d.download?.mbPerSecond).toBe(300);
    expect(d.failure).toBe('round 2: download answered 500');
    expect(combineImageRuns([a])).toBe(a);
  });

  it('averages the ceilings of each store', () => {
    expect(combineCeilings([...ceilings, { store: 'file', write: 100, read: 1000, how: 'file' }])).toEqual([
      { store: 'file', write: 150, read: 1500, how: 'file' },
      { store: 'object', write: 300, read: 500, how: 'object' },
    ]);
  });

  const runs = [
    run('glance', 'file', 100, 200, 400),
    run('kumo', 'file', 200, 600, 150),
    run('glance', 'object', 100, 300, 400),
    run('kumo', 'object', 120, 450, 250),
  ];

  it('compares kumo with its peer per store and direction, against the ceilings', () => {
    const cs = compare(runs, ceilings, hash, 2);
    expect(
      cs.map((c) => [
        c.store,
        c.direction,
        c.rate,
        c.rss,
        c.kumoHashShare,
        c.kumoCeilingShare,
        c.peerCeilingShare,
      ]),
    ).toEqual([
      ['file', 'upload', 2, 0.38, 83.3, 100, 50],
      ['file', 'download', 3, 0.39, null, 30, 10],
      ['object', 'upload', 1.2, 0.63, 50, 40, 33.3],
      ['object', 'download', 1.5, 0.63, null, 90, 60],
    ]);
    expect(cs[0].peerName).toBe('glance');
    // without a peer: kumo's own shares only
    const alone = compare([runs[1]], ceilings, hash, 2);
    expect(alone.map((c) => [c.rate, c.rss, c.peerName])).toEqual([
      [null, null, null],
      [null, null, null],
    ]);
  });

  it("checks the issue's goals against the lower of the hash bound and the store's ceiling", () => {
    const gs = goals(compare(runs, ceilings, hash, 2));
    expect(gs.map((g) => [g.goal, g.value, g.ok])).toEqual([
      ["file upload: >= 1.5x glance's MB/s", 'x2.00', true],
      ["file upload: peak RSS <= half glance's", 'x0.38', true],
      // the file store's ceiling (200) is below the hash bound (240): it is the bound
      ['file upload: >= 80% of the MD5+SHA-512 bound', '83.3%', null],
      ['file upload: >= 80% of the file write ceiling', '100.0%', true],
      ["file download: >= 1.5x glance's MB/s", 'x3.00', true],
      ["file download: peak RSS <= half glance's", 'x0.39', true],
      ['file download: share of the file read ceiling', '30.0%', null],
      ["object upload: >= 1.5x glance's MB/s", 'x1.20', false],
      ["object upload: peak RSS <= half glance's", 'x0.63', false],
      ['object upload: >= 80% of the MD5+SHA-512 bound', '50.0%', false],
      ['object upload: >= 80% of the object write ceiling', '40.0%', null],
      ["object download: >= 1.5x glance's MB/s", 'x1.50', true],
      ["object download: peak RSS <= half glance's", 'x0.63', false],
      ['object download: >= 80% of the object read ceiling', '90.0%', true],
    ]);
    // the object store's write ceiling (300) is above the hash bound (240): hashing bounds it
    expect(gs[10].note).toBe('hashing bounds it on these cores (240 MB/s < 300 MB/s)');
    // with four cores the bound is the slower digest (400), above both write ceilings: the stores
    // bound the uploads, and the hash bound is shown with no target
    const four = goals(compare(runs, ceilings, hash, 4));
    expect(four[10]).toMatchObject({ value: '40.0%', ok: false, note: undefined });
    expect(four[9]).toMatchObject({
      value: '30.0%',
      ok: null,
      note: 'the object store bounds it (300 MB/s < 400 MB/s)',
    });
    expect(four[2]).toMatchObject({
      value: '50.0%',
      ok: null,
      note: 'the file store bounds it (200 MB/s < 400 MB/s)',
    });
    expect(four[3]).toMatchObject({ value: '100.0%', ok: true });
  });

  it('tabulates the comparison and every run with the ceilings of every round', () => {
    const t = comparisonTable(compare(runs, ceilings, hash, 2)).split('\n');
    expect(t[0]).toMatch(/^transfer\s+kumo MB\/s\s+glance MB\/s\s+kumo\/glance/);
    expect(t[1]).toMatch(
      /^file\s+upload\s+200\.0\s+100\.0\s+x2\.00\s+150\s+400\s+x0\.38\s+5\.0\s+5\.0\s+83\.3%\s+100\.0%\s+50\.0%\s+200\.0$/,
    );
    expect(t[2]).toMatch(/^file\s+download\s+600\.0 .* 5\.0\s+30\.0%\s+10\.0%\s+2000\.0$/);
    const r = runsTable(
      [
        ...runs,
        {
          ...run('kumo', 'file', 1, 1, 1, 2),
          upload: undefined,
          download: undefined,
          failure: 'image create answered 503',
        },
      ],
      [{ ...ceilings[0], round: 1 }],
    ).split('\n');
    expect(r).toHaveLength(1 + 5 + 1);
    expect(r[1]).toMatch(/^1\s+glance\s+file\s+100\.0\s+200\.0 .* 50%\/50%$/);
    expect(r[5]).toBe('2  kumo  file  FAILED: image create answered 503');
    expect(r[6]).toMatch(/^1\s+ceiling\s+file\s+200\.0\s+2000\.0\s+-/);
  });

  it("checks Kumo's steady RSS after load against the per-process budget, per store", () => {
    const kumoFile = { ...run('kumo', 'file', 300, 900, 125), rssAfterMiB: 120 };
    const kumoObject = { ...run('kumo', 'object', 300, 900, 125), rssAfterMiB: 121 };
    const unknown = { ...run('kumo', 'object', 300, 900, 125), rssAfterMiB: null };
    expect(steadyGoals([run('glance', 'file', 100, 100, 300), kumoFile, kumoObject, unknown])).toEqual([
      { goal: 'file store: steady RSS after load <= 120 MiB', value: '120 MiB', ok: true },
      { goal: 'object store: steady RSS after load <= 120 MiB', value: '121 MiB', ok: false },
      { goal: 'object store: steady RSS after load <= 120 MiB', value: '-', ok: null },
    ]);
  });
});
