import type { AuthContext } from '@kumo/auth';
import { parseRemoteConsole } from '../../../src/api/remote-consoles/remote-consoles.schema';
import { consoleSection } from '../../../src/console/console.config';
import type { ConsoleAuthTokenRepository } from '../../../src/db/repositories/console-auth-token.repository';
import type { ComputePolicy } from '../../../src/services/compute-policy';
import { hashConsoleToken } from '../../../src/services/console-tokens';
import { RemoteConsolesService } from '../../../src/services/remote-consoles.service';
import type { ServersService } from '../../../src/services/servers.service';

const UUID = '5a4f3e2d-1c0b-4a98-8765-43210fedcba9';

function service(inst: Record<string, unknown>) {
  const made: Array<{ fields: Record<string, unknown>; ttl: number }> = [];
  const enforced: string[] = [];
  const servers = {
    find: async () => ({
      uuid: UUID,
      projectId: 'p-demo',
      host: 'node-1',
      vmState: 'active',
      taskState: null,
      ...inst,
    }),
  } as unknown as ServersService;
  const tokens = {
    create: async (fields: Record<string, unknown>, ttl: number) => void made.push({ fields, ttl }),
  } as unknown as ConsoleAuthTokenRepository;
  const policy = { enforce: (action: string) => void enforced.push(action) } as unknown as ComputePolicy;
  const settings = consoleSection.parse({ base_url: 'ws://console.example:6083/', console_token_ttl: 120 });
  return { svc: new RemoteConsolesService(servers, tokens, policy, settings), made, enforced };
}
const auth = { projectId: 'p-demo', roles: ['member'] } as unknown as AuthContext;

describe('remote consoles', () => {
  it("parses Nova's create_v26 body: protocol and type from its enums, nothing else", () => {
    expect(parseRemoteConsole({ remote_console: { protocol: 'serial', type: 'serial' } })).toEqual({
      protocol: 'serial',
      type: 'serial',
    });
    expect(parseRemoteConsole({ remote_console: { protocol: 'vnc', type: 'novnc' } })).toEqual({
      protocol: 'vnc',
      type: 'novnc',
    });
    for (const bad of [
      {},
      { remote_console: { protocol: 'serial' } },
      { remote_console: { protocol: 'mks', type: 'webmks' } },
      { remote_console: { protocol: 'serial', type: 'serial', x: 1 } },
      { remote_console: { protocol: 'serial', type: 'serial' }, x: 1 },
    ]) {
      expect(() => parseRemoteConsole(bad)).toThrow(expect.objectContaining({ status: 400 }));
    }
  });

  it('makes a token for an ACTIVE server: its hash, instance and host stored for console_token_ttl, the URL from base_url', async () => {
    const { svc, made, enforced } = service({});
    const url = new URL(await svc.create(auth, UUID, 'serial', 'serial'));
    expect(`${url.origin}${url.pathname}`).toBe('ws://console.example:6083/');
    const token = url.searchParams.get('token')!;
    expect(made).toEqual([
      {
        fields: {
          tokenHash: hashConsoleToken(token),
          consoleType: 'serial',
          instanceUuid: UUID,
          host: 'node-1',
          requestId: null,
        },
        ttl: 120,
      },
    ]);
    expect(enforced).toEqual(['os_compute_api:os-remote-consoles']);
  });

  it("refuses with Nova's messages: VNC/SPICE/RDP unavailable 400, a type not of the protocol 400, not ACTIVE or no host 409", async () => {
    const { svc, made } = service({});
    await expect(svc.create(auth, UUID, 'vnc', 'novnc')).rejects.toMatchObject({
      status: 400,
      message: 'Unavailable console type novnc.',
    });
    await expect(svc.create(auth, UUID, 'spice', 'spice-html5')).rejects.toMatchObject({
      status: 400,
      message: 'Unavailable console type spice-html5.',
    });
    await expect(svc.create(auth, UUID, 'rdp', 'rdp-html5')).rejects.toMatchObject({
      status: 400,
      message: 'Unavailable console type rdp.',
    });
    await expect(svc.create(auth, UUID, 'serial', 'novnc')).rejects.toMatchObject({
      status: 400,
      message: 'Invalid console type novnc',
    });
    await expect(
      service({ vmState: 'paused' }).svc.create(auth, UUID, 'serial', 'serial'),
    ).rejects.toMatchObject({
      status: 409,
      message: `Cannot 'get_serial_console' instance ${UUID} while it is in vm_state paused`,
    });
    await expect(
      service({ taskState: 'deleting' }).svc.create(auth, UUID, 'serial', 'serial'),
    ).rejects.toMatchObject({
      status: 409,
      message: `Cannot 'get_serial_console' instance ${UUID} while it is in task_state deleting`,
    });
    await expect(
      service({ host: null, vmState: 'building' }).svc.create(auth, UUID, 'serial', 'serial'),
    ).rejects.toMatchObject({ status: 409, message: `Instance ${UUID} is not ready` });
    expect(made).toEqual([]);
  });
});
