import { Controller, Get } from '@nestjs/common';
import { Auth, AuthContext } from '@kumo/auth';
import { HostsService } from '../../services/hosts.service';
import { isoMicros } from '../../views/server.view';

/** `/v2.1/os-availability-zone[/detail]`: zones (and, for admins, their hosts and services). */
@Controller('v2.1/os-availability-zone')
export class AvailabilityZonesController {
  constructor(private readonly hosts: HostsService) {}

  @Get()
  async list(@Auth() auth: AuthContext): Promise<unknown> {
    const zones = (await this.hosts.availabilityZones(auth, false)).filter((z) => z.name !== 'internal');
    return { availabilityZoneInfo: zones.map((z) => ({ zoneName: z.name, zoneState: { available: z.available }, hosts: null })) };
  }

  @Get('detail')
  async detail(@Auth() auth: AuthContext): Promise<unknown> {
    return {
      availabilityZoneInfo: (await this.hosts.availabilityZones(auth, true)).map((z) => {
        const hosts: Record<string, Record<string, unknown>> = {};
        for (const s of z.hosts ?? []) (hosts[s.service.host] ??= {})[s.service.binary] = { available: s.up, active: !s.service.disabled, updated_at: isoMicros(s.service.lastSeenUp) };
        return { zoneName: z.name, zoneState: { available: z.available }, hosts };
      }),
    };
  }
}
