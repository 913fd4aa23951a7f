import { Controller, Get } from '@nestjs/common';
import { Auth, AuthContext } from '@kumo/auth';
import { HostsService } from '../../services/hosts.service';

/**
 * `/v2.1/os-aggregates` (admin): the host aggregates. Kumo has no aggregates (every host is in its
 * availability zone only), so the list is empty; `openstack hypervisor show` reads it to print a
 * hypervisor's aggregates, and would fail on a 404. Creating one is not offered (404).
 */
@Controller('v2.1/os-aggregates')
export class AggregatesController {
  constructor(private readonly hosts: HostsService) {}

  @Get()
  list(@Auth() auth: AuthContext): unknown {
    return { aggregates: this.hosts.aggregates(auth) };
  }
}
