import { flavorBasicView, flavorListView, flavorView } from '../../src/api/flavors/flavors.view';
import { keypairCreateView, keypairListView, keypairView, novaIsoTime } from '../../src/api/keypairs/keypairs.view';
import { ComputeLinks } from '../../src/views/links';
import { limitsView } from '../../src/api/limits/limits.view';
import { ApiVersion } from '../../src/api/microversion';
import { quotaSetView } from '../../src/api/quota-sets/quota-sets.view';
import { versionListView, versionView } from '../../src/api/versions/versions.view';
import type { FlavorEntity, KeyPairEntity } from '../../src/db/entities';
import { QUOTA_RESOURCES, QuotaDetail } from '../../src/services/quotas.service';

const links = new ComputeLinks('http://h:8774/');
const v21 = ApiVersion.parse('2.1');
const flavor = (over: Partial<FlavorEntity> = {}): FlavorEntity =>
  ({ id: 7, flavorid: 'ume', name: '梅', memoryMb: 4096, vcpus: 2, rootGb: 20, ephemeralGb: 0, swap: 0, rxtxFactor: 1, vcpuWeight: null, isPublic: true, disabled: false, description: null, createdAt: new Date(), updatedAt: new Date(), ...over }) as FlavorEntity;

describe('views', () => {
  it('renders a flavor at 2.1: swap 0 as "", extension names, self and bookmark links', () => {
    expect(flavorView(links, flavor(), v21)).toEqual({
      id: 'ume',
      name: '梅',
      ram: 4096,
      disk: 20,
      swap: '',
      'OS-FLV-EXT-DATA:ephemeral': 0,
      'OS-FLV-DISABLED:disabled': false,
      vcpus: 2,
      'os-flavor-access:is_public': true,
      rxtx_factor: 1,
      links: [
        { rel: 'self', href: 'http://h:8774/v2.1/flavors/ume' },
        { rel: 'bookmark', href: 'http://h:8774/flavors/ume' },
      ],
    });
    expect(flavorView(links, flavor({ swap: 1024 }), v21).swap).toBe(1024);
    expect(flavorBasicView(links, flavor({ flavorid: 'a b' }))).toEqual({ id: 'a b', name: '梅', links: [{ rel: 'self', href: 'http://h:8774/v2.1/flavors/a%20b' }, { rel: 'bookmark', href: 'http://h:8774/flavors/a%20b' }] });
  });

  it('adds flavors_links only when the page is full, keeping the query sorted and replacing the marker', () => {
    const two = [flavor({ flavorid: 'a' }), flavor({ flavorid: 'b' })];
    const basic = (f: FlavorEntity) => flavorBasicView(links, f);
    expect(flavorListView(links, two, basic, { collection: 'flavors', query: { marker: 'x', limit: '2', is_public: 'None' }, limit: 2 }).flavors_links).toEqual([
      { rel: 'next', href: 'http://h:8774/v2.1/flavors?is_public=None&limit=2&marker=b' },
    ]);
    expect(flavorListView(links, two, basic, { collection: 'flavors', query: {}, limit: 3 })).not.toHaveProperty('flavors_links');
    expect(flavorListView(links, [], basic, { collection: 'flavors', query: {}, limit: 0 })).toEqual({ flavors: [] });
  });

  it("renders key pairs as Nova 2.1 does: private_key only on generation, wrapped list items, show's database fields", () => {
    const kp = { id: 3, userId: 'u', name: 'k', fingerprint: 'aa:bb', publicKey: 'ssh-ed25519 AAAA c', type: 'ssh', createdAt: new Date('2026-01-02T03:04:05.678Z'), updatedAt: null } as KeyPairEntity;
    expect(keypairCreateView(kp, v21)).toEqual({ keypair: { name: 'k', public_key: 'ssh-ed25519 AAAA c', fingerprint: 'aa:bb', user_id: 'u' } });
    expect(keypairCreateView(kp, v21, 'PRIV').keypair).toEqual({ private_key: 'PRIV', name: 'k', public_key: 'ssh-ed25519 AAAA c', fingerprint: 'aa:bb', user_id: 'u' });
    expect(keypairListView([kp], v21)).toEqual({ keypairs: [{ keypair: { name: 'k', public_key: 'ssh-ed25519 AAAA c', fingerprint: 'aa:bb' } }] });
    expect(keypairView(kp, v21).keypair).toEqual({ name: 'k', public_key: 'ssh-ed25519 AAAA c', fingerprint: 'aa:bb', user_id: 'u', created_at: '2026-01-02T03:04:05.678000', deleted: false, deleted_at: null, id: 3, updated_at: null });
    expect(novaIsoTime(new Date('2026-01-02T03:04:05.000Z'))).toBe('2026-01-02T03:04:05');
  });

  it('renders quota sets with every 2.1 resource and limits with their display names', () => {
    const detail = Object.fromEntries(QUOTA_RESOURCES.map((r, i) => [r, { limit: i, in_use: 100 + i, reserved: 0 }])) as QuotaDetail;
    const limits = limitsView(detail) as { limits: { absolute: Record<string, number>; rate: unknown[] } };
    expect(limits.limits.rate).toEqual([]);
    expect(limits.limits.absolute).toMatchObject({ maxTotalCores: detail.cores.limit, totalCoresUsed: detail.cores.in_use, maxServerMeta: detail.metadata_items.limit, maxImageMeta: detail.metadata_items.limit, maxTotalKeypairs: detail.key_pairs.limit, totalRAMUsed: detail.ram.in_use });
    expect(Object.keys(limits.limits.absolute)).toHaveLength(19);
    const set = quotaSetView(Object.fromEntries(QUOTA_RESOURCES.map((r) => [r, 1])), 'p') as { quota_set: Record<string, unknown> };
    expect(Object.keys(set.quota_set)).toEqual(['id', ...QUOTA_RESOURCES]);
    expect(quotaSetView({ cores: 1 })).not.toHaveProperty('quota_set.id');
  });

  it("lists versions v2.0 first and gives each document's self link first", () => {
    const list = versionListView('http://h:8774') as { versions: Array<{ id: string; links: unknown[] }> };
    expect(list.versions.map((v) => v.id)).toEqual(['v2.0', 'v2.1']);
    expect(list.versions[0].links).toEqual([{ rel: 'self', href: 'http://h:8774/v2/' }]);
    expect((versionView('http://h:8774', 'v2.0') as { version: { links: Array<{ rel: string }> } }).version.links.map((l) => l.rel)).toEqual(['self', 'describedby']);
  });
});
