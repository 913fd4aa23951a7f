import { BadRequest } from '../src/errors';
import { nextPageUrl, paginate, parsePageRequest } from '../src/pagination';

describe('pagination', () => {
  const items = ['a', 'b', 'c', 'd', 'e'].map((id) => ({ id }));
  const id = (i: { id: string }) => i.id;

  it('parses limit and marker, capping the limit', () => {
    expect(parsePageRequest({ limit: '2', marker: 'b' })).toEqual({ limit: 2, marker: 'b' });
    expect(parsePageRequest({ limit: '5000' }, { maxLimit: 1000 })).toEqual({ limit: 1000 });
    expect(parsePageRequest({}, { defaultLimit: 20 })).toEqual({ limit: 20 });
    expect(() => parsePageRequest({ limit: '-1' })).toThrow(BadRequest);
    expect(() => parsePageRequest({ limit: 'x' })).toThrow(/Invalid limit 'x'/);
  });

  it('pages strictly after the marker and says whether more follow', () => {
    expect(paginate(items, { limit: 2 }, id)).toEqual({ items: [{ id: 'a' }, { id: 'b' }], more: true });
    expect(paginate(items, { limit: 2, marker: 'b' }, id)).toEqual({ items: [{ id: 'c' }, { id: 'd' }], more: true });
    expect(paginate(items, { limit: 2, marker: 'd' }, id)).toEqual({ items: [{ id: 'e' }], more: false });
    expect(paginate(items, { marker: 'e' }, id)).toEqual({ items: [], more: false });
    expect(() => paginate(items, { marker: 'zz' }, id)).toThrow(BadRequest);
  });

  it('builds the next page link', () => {
    expect(nextPageUrl('http://h:9292/v2/images?limit=2&marker=a', 'c')).toBe('http://h:9292/v2/images?limit=2&marker=c');
  });
});
