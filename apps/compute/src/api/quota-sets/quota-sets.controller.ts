import { Body, Controller, Delete, Get, HttpCode, Param, Put, Query } from '@nestjs/common';
import { Auth, AuthContext } from '@kumo/auth';
import { QuotasService } from '../../services/quotas.service';
import { lastParam, parseBody } from '../validation';
import { updateQuotaSchema } from './quota-sets.schema';
import { quotaSetView } from './quota-sets.view';

/** `/v2.1/os-quota-sets/{project}` (`?user_id=` for a user's own limits within the project). */
@Controller('v2.1/os-quota-sets/:id')
export class QuotaSetsController {
  constructor(private readonly quotas: QuotasService) {}

  @Get()
  async show(@Auth() auth: AuthContext, @Param('id') id: string, @Query() query: Record<string, unknown>): Promise<unknown> {
    return quotaSetView(await this.quotas.show(auth, id, lastParam(query, 'user_id')), id);
  }

  @Get('detail')
  async detail(@Auth() auth: AuthContext, @Param('id') id: string, @Query() query: Record<string, unknown>): Promise<unknown> {
    return quotaSetView(await this.quotas.detail(auth, id, lastParam(query, 'user_id')), id);
  }

  @Get('defaults')
  async defaults(@Auth() auth: AuthContext, @Param('id') id: string): Promise<unknown> {
    return quotaSetView(await this.quotas.defaults(auth, id), id);
  }

  @Put()
  async update(@Auth() auth: AuthContext, @Param('id') id: string, @Query() query: Record<string, unknown>, @Body() body: unknown): Promise<unknown> {
    return quotaSetView(await this.quotas.update(auth, id, lastParam(query, 'user_id'), parseBody(updateQuotaSchema, body)));
  }

  @Delete()
  @HttpCode(202)
  async delete(@Auth() auth: AuthContext, @Param('id') id: string, @Query() query: Record<string, unknown>): Promise<void> {
    await this.quotas.revert(auth, id, lastParam(query, 'user_id'));
  }
}
