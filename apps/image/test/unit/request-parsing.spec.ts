import { BadRequest, Forbidden, PayloadTooLarge } from '@kumo/common';
import { parseListQuery } from '../../src/api/images/images.schema';
import { parsePatch } from '../../src/services/image-patch';

/** Glance's request deserializer, as Kumo mirrors it: the list query and both JSON-patch drafts. */
describe('list query', () => {
  it('takes Glance defaults and forms', () => {
    expect(parseListQuery({})).toMatchObject({ limit: undefined, sort: [], tags: [], osHidden: undefined });
    expect(parseListQuery({ limit: ' 0 ', size_min: '-1', sort: 'name:asc,size' })).toMatchObject({
      limit: 0,
      sizeMin: -1,
      sort: [
        { key: 'name', dir: 'asc' },
        { key: 'size', dir: 'desc' },
      ],
    });
    expect(parseListQuery({ sort_key: ['name', 'size'], sort_dir: 'asc' }).sort).toEqual([
      { key: 'name', dir: 'asc' },
      { key: 'size', dir: 'asc' },
    ]);
    expect(parseListQuery({ created_at: '2020-01-02T03:04:05Z' }).createdAt).toEqual({ op: 'eq', at: new Date('2020-01-02T03:04:05Z') });
    expect(parseListQuery({ updated_at: 'lt:2020-01-02T03:04:05' }).updatedAt).toEqual({ op: 'lt', at: new Date('2020-01-02T03:04:05Z') });
    expect(parseListQuery({ os_hidden: 'True', protected: 'false' })).toMatchObject({ osHidden: true, protected: false });
  });

  it('keeps unknown parameters as property filters in a Map, prototype names included', () => {
    // as Fastify's query parser gives them: own keys of a null-prototype object
    const q = Object.create(null) as Record<string, string>;
    Object.defineProperty(q, '__proto__', { value: 'a', enumerable: true });
    Object.defineProperty(q, 'constructor', { value: 'b', enumerable: true });
    expect([...parseListQuery(q).properties]).toEqual([
      ['__proto__', 'a'],
      ['constructor', 'b'],
    ]);
  });

  it.each([
    [{ limit: '1.5' }, 'limit param must be an integer'],
    [{ limit: '-1' }, 'limit param must be positive'],
    [{ size_max: '1e3' }, 'Unable to filter on a range with a non-numeric value.'],
    [{ sort_key: 'constructor' }, 'Invalid sort key: constructor.'],
    [{ sort: '__proto__' }, 'Invalid sort key: __proto__.'],
    [{ sort: 'toString:asc' }, 'Invalid sort key: toString.'],
    [{ sort_dir: 'sideways' }, 'Invalid sort direction: sideways'],
    [{ sort: 'name', sort_key: 'name' }, 'Old and new sorting syntax cannot be combined'],
    [{ sort_key: ['name'], sort_dir: ['asc', 'desc'] }, 'Number of sort dirs does not match the number of sort keys'],
    [{ member_status: 'garbage' }, 'Invalid status: garbage'],
    [{ os_hidden: 'maybe' }, "Invalid value 'maybe' for 'os_hidden' filter."],
    [{ protected: 'TRUE' }, "Invalid value 'TRUE' for 'protected' filter."],
    [{ created_at: 'gte:garbage' }, 'Bad "created_at" query filter format.'],
    [{ created_at: 'around:2020-01-01' }, 'Unable to filter on a unknown operator.'],
    [{ 'changes-since': '2020-01-01' }, 'The "changes-since" filter is no longer available on v2.'],
    [{ visibility: 'everyone' }, 'Invalid visibility value: everyone'],
  ])('refuses %j', (q, message) => {
    expect(() => parseListQuery(q)).toThrow(BadRequest);
    expect(() => parseListQuery(q)).toThrow(message);
  });
});

describe('JSON patch', () => {
  it('reads draft 10 and draft 4 operations alike', () => {
    const d10 = parsePatch([{ op: 'replace', path: '/name', value: 'n' }, { op: 'remove', path: '/a~1b~0c' }, { op: 'add', path: '/tags/-', value: 't' }], 10, 10);
    const d4 = parsePatch([{ replace: '/name', value: 'n' }, { remove: '/a~1b~0c' }, { add: '/tags/-', value: 't' }], 4, 10);
    expect(d4).toEqual(d10);
    expect(d10).toEqual([
      { op: 'replace', key: 'name', item: undefined, value: 'n' },
      { op: 'remove', key: 'a/b~c', item: undefined, value: undefined },
      { op: 'add', key: 'tags', item: '-', value: 't' },
    ]);
  });

  it.each([
    [{}, 10, 'Request body must be a JSON array of operation objects.'],
    [['x'], 10, 'Operations must be JSON objects.'],
    [[{ path: '/a' }], 10, 'Unable to find `op` in JSON Schema change.'],
    [[{ op: 'move', path: '/a' }], 10, 'Invalid operation: `move`.'],
    [[{ op: 'add', value: 1 }], 10, "Unable to find 'path' in JSON Schema change"],
    [[{ op: 'add', path: '/a' }], 10, 'Operation "add" requires a member named "value".'],
    [[{ op: 'add', path: 'a', value: '' }], 10, 'does not start with "/"'],
    [[{ op: 'add', path: '/a/b', value: '' }], 10, "Invalid JSON pointer for this resource: '/a/b'"],
    [[{ op: 'add', path: '/a~2', value: '' }], 10, 'contains "~" not part of a recognized escape sequence'],
    [[{ add: '/a', remove: '/b', value: '' }], 4, 'Operation objects must contain only one member'],
    [[{ op: 'add', path: '/a', value: '' }], 4, 'Operation objects must contain exactly one member'],
  ])('refuses %j (draft %d)', (body, draft, message) => {
    expect(() => parsePatch(body, draft as 4 | 10, 10)).toThrow(BadRequest);
    expect(() => parsePatch(body, draft as 4 | 10, 10)).toThrow(message);
  });

  it('refuses read-only attributes (403) and more operations than allowed (413) before applying any', () => {
    expect(() => parsePatch([{ op: 'replace', path: '/status', value: 'active' }], 10, 10)).toThrow(Forbidden);
    expect(() => parsePatch(Array.from({ length: 11 }, () => ({ op: 'add', path: '/a', value: '' })), 10, 10)).toThrow(PayloadTooLarge);
  });
});
