import { Controller, Get, Query } from '@nestjs/common';
import { Auth, AuthContext } from '@kumo/auth';
import { QuotasService } from '../../services/quotas.service';
import { lastParam } from '../validation';
import { limitsView } from './limits.view';

/** `GET /v2.1/limits[?tenant_id=]`: the project's absolute limits and usage (`limits show --absolute`). */
@Controller('v2.1/limits')
export class LimitsController {
  constructor(private readonly quotas: QuotasService) {}

  @Get()
  async index(@Auth() auth: AuthContext, @Query() query: Record<string, unknown>): Promise<unknown> {
    return limitsView(await this.quotas.limitsOf(auth, lastParam(query, 'tenant_id')));
  }
}
