import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { Auth, AuthContext } from '@kumo/auth';
import { isAdmin } from '../../services/compute-policy';
import { FlavorsService } from '../../services/flavors.service';
import { ComputeLinks } from '../../views/links';
import { ApiVersion, RequestVersion } from '../microversion';
import { parseBody } from '../validation';
import { createFlavorSchema, parseFlavorListQuery } from './flavors.schema';
import { flavorBasicView, flavorListView, flavorView } from './flavors.view';

/** `/v2.1/flavors`: Nova's flavors and flavor-manage APIs. */
@Controller('v2.1/flavors')
export class FlavorsController {
  constructor(
    private readonly flavors: FlavorsService,
    private readonly links: ComputeLinks,
  ) {}

  @Get()
  async index(@Auth() auth: AuthContext, @Query() query: Record<string, unknown>): Promise<unknown> {
    const { flavors, limit } = await this.flavors.list(auth, parseFlavorListQuery(query, isAdmin(auth)));
    return flavorListView(this.links, flavors, (f) => flavorBasicView(this.links, f), { collection: 'flavors', query, limit });
  }

  @Get('detail')
  async detail(@Auth() auth: AuthContext, @Query() query: Record<string, unknown>, @RequestVersion() v: ApiVersion): Promise<unknown> {
    const { flavors, limit } = await this.flavors.list(auth, parseFlavorListQuery(query, isAdmin(auth)));
    return flavorListView(this.links, flavors, (f) => flavorView(this.links, f, v), { collection: 'flavors/detail', query, limit });
  }

  @Get(':id')
  async show(@Auth() auth: AuthContext, @Param('id') id: string, @RequestVersion() v: ApiVersion): Promise<unknown> {
    return { flavor: flavorView(this.links, await this.flavors.get(auth, id), v) };
  }

  /** 200 (not 201) at 2.1, as Nova answers. */
  @Post()
  @HttpCode(200)
  async create(@Auth() auth: AuthContext, @Body() body: unknown, @RequestVersion() v: ApiVersion): Promise<unknown> {
    return { flavor: flavorView(this.links, await this.flavors.create(auth, parseBody(createFlavorSchema, body)), v) };
  }

  @Delete(':id')
  @HttpCode(202)
  async delete(@Auth() auth: AuthContext, @Param('id') id: string): Promise<void> {
    await this.flavors.delete(auth, id);
  }
}
