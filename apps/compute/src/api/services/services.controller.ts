import { Body, Controller, Get, Param, Put, Query } from '@nestjs/common';
import { z } from 'zod';
import { Auth, AuthContext } from '@kumo/auth';
import { NotFound } from '@kumo/common';
import { HostsService, ServiceState } from '../../services/hosts.service';
import { isoMicros } from '../../views/server.view';
import { lastParam, parseBody } from '../validation';

/** A service at 2.1 (nova/api/openstack/compute/services.py _get_services_list): integer id. */
export function serviceView(s: ServiceState): Record<string, unknown> {
  return {
    id: s.service.id,
    binary: s.service.binary,
    host: s.service.host,
    zone: s.zone,
    status: s.service.disabled ? 'disabled' : 'enabled',
    state: s.up ? 'up' : 'down',
    updated_at: isoMicros(s.service.lastSeenUp),
    disabled_reason: s.service.disabledReason,
  };
}

const hostBinary = z.object({ host: z.string().min(1).max(255), binary: z.string().min(1).max(255) }).strict();
const withReason = z.object({ host: z.string().min(1).max(255), binary: z.string().min(1).max(255), disabled_reason: z.string().min(1).max(255) }).strict();

/** `/v2.1/os-services` (admin): list, and `PUT /os-services/{enable,disable,disable-log-reason}` as at 2.1. */
@Controller('v2.1/os-services')
export class ServicesController {
  constructor(private readonly hosts: HostsService) {}

  @Get()
  async list(@Auth() auth: AuthContext, @Query() query: Record<string, unknown>): Promise<unknown> {
    return { services: (await this.hosts.services(auth, { host: lastParam(query, 'host'), binary: lastParam(query, 'binary') })).map(serviceView) };
  }

  @Put(':action')
  async update(@Auth() auth: AuthContext, @Param('action') action: string, @Body() body: unknown): Promise<unknown> {
    if (action === 'enable' || action === 'disable') {
      const b = parseBody(hostBinary, body);
      const s = await this.hosts.setServiceStatus(auth, b.host, b.binary, action === 'disable', null);
      return { service: { host: s.host, binary: s.binary, status: s.disabled ? 'disabled' : 'enabled' } };
    }
    if (action === 'disable-log-reason') {
      const b = parseBody(withReason, body);
      const s = await this.hosts.setServiceStatus(auth, b.host, b.binary, true, b.disabled_reason);
      return { service: { host: s.host, binary: s.binary, status: 'disabled', disabled_reason: s.disabledReason } };
    }
    throw new NotFound('Unknown action');
  }
}
