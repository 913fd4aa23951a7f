import type { CatalogRepository } from '../../src/db/repositories/catalog.repository';
import {
  CATALOG_CHANGED_EVENT,
  CATALOG_FALLBACK_REFRESH_MS,
  CATALOG_REFRESH_WITHOUT_EVENTS_MS,
  CatalogService,
} from '../../src/services/catalog.service';
import { EventPublisher } from '../../src/services/events';

/** A catalog repository with one service whose endpoint URL the test changes (counting reads). */
function repo() {
  const state = { url: 'http://a:9292', reads: 0 };
  const fake = {
    listServices: async () => {
      state.reads++;
      return [{ id: 's1', type: 'image', name: 'glance', description: null, enabled: true }];
    },
    listEndpoints: async () => [
      {
        id: 'e1',
        serviceId: 's1',
        interface: 'public',
        regionId: 'RegionOne',
        url: state.url,
        enabled: true,
      },
    ],
  };
  return { state, repo: fake as unknown as CatalogRepository };
}

class Recorder extends EventPublisher {
  events: Array<[string, Record<string, unknown>]> = [];
  async publish(type: string, payload: Record<string, unknown>): Promise<void> {
    this.events.push([type, payload]);
  }
}

const urlOf = async (c: CatalogService) => (await c.forProject('p1'))[0].endpoints[0].url;

describe('CatalogService', () => {
  afterEach(() => jest.useRealTimers());

  it('rebuilds every 5 s without change events, and only after 5 minutes (or an event) with them', async () => {
    jest.useFakeTimers({ now: 1_000_000 });
    const { state, repo: r } = repo();
    const catalog = new CatalogService(r, new Recorder());
    expect(catalog.refreshMs).toBe(CATALOG_REFRESH_WITHOUT_EVENTS_MS);
    expect(await urlOf(catalog)).toBe('http://a:9292');
    state.url = 'http://b:9292';
    jest.setSystemTime(1_000_000 + CATALOG_REFRESH_WITHOUT_EVENTS_MS + 1);
    expect(await urlOf(catalog)).toBe('http://b:9292');

    catalog.setChangeFeed(true);
    expect(catalog.refreshMs).toBe(CATALOG_FALLBACK_REFRESH_MS);
    await urlOf(catalog);
    const reads = state.reads;
    state.url = 'http://c:9292';
    jest.setSystemTime(Date.now() + 60_000);
    expect(await urlOf(catalog)).toBe('http://b:9292'); // kept: no event said it changed
    expect(state.reads).toBe(reads);
    expect(catalog.onChangeEvent({ origin: 'another process' })).toBe(true);
    expect(await urlOf(catalog)).toBe('http://c:9292');
    state.url = 'http://d:9292';
    jest.setSystemTime(Date.now() + CATALOG_FALLBACK_REFRESH_MS + 1);
    expect(await urlOf(catalog)).toBe('http://d:9292'); // an event lost on the way costs at most the fallback
  });

  it('publishes its own writes, ignores its own events, and rebuilds when the feed comes back', async () => {
    const { state, repo: r } = repo();
    const events = new Recorder();
    const catalog = new CatalogService(r, events);
    catalog.setChangeFeed(true);
    await urlOf(catalog);
    state.url = 'http://b:9292';
    await catalog.changed();
    expect(events.events).toEqual([[CATALOG_CHANGED_EVENT, { origin: expect.any(String) }]]);
    expect(await urlOf(catalog)).toBe('http://b:9292');
    state.url = 'http://c:9292';
    expect(catalog.onChangeEvent(events.events[0][1])).toBe(false);
    expect(await urlOf(catalog)).toBe('http://b:9292');
    catalog.setChangeFeed(false); // events published meanwhile are lost
    expect(catalog.refreshMs).toBe(CATALOG_REFRESH_WITHOUT_EVENTS_MS);
    catalog.setChangeFeed(true);
    expect(await urlOf(catalog)).toBe('http://c:9292');
  });
});
