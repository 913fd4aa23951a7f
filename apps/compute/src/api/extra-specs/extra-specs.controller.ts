import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { Auth, AuthContext } from '@kumo/auth';
import { FlavorExtraSpecsService } from '../../services/flavor-extra-specs.service';
import { asStrings, parseCreateSpecs, parseUpdateSpec } from './extra-specs.schema';

/**
 * `/flavors/{id}/os-extra_specs[/{key}]` (Nova's flavors_extraspecs.py). Create and update answer
 * the body as sent (numbers stay numbers there), 200 everywhere, delete with no body.
 */
@Controller('v2.1/flavors/:id/os-extra_specs')
export class ExtraSpecsController {
  constructor(private readonly specs: FlavorExtraSpecsService) {}

  @Get()
  async list(@Auth() auth: AuthContext, @Param('id') id: string): Promise<unknown> {
    return { extra_specs: await this.specs.list(auth, id) };
  }

  @Post()
  @HttpCode(200)
  async create(@Auth() auth: AuthContext, @Param('id') id: string, @Body() body: unknown): Promise<unknown> {
    const given = parseCreateSpecs(body);
    await this.specs.set(auth, id, asStrings(given), 'create');
    return { extra_specs: given };
  }

  @Get(':key')
  async show(@Auth() auth: AuthContext, @Param('id') id: string, @Param('key') key: string): Promise<unknown> {
    return { [key]: await this.specs.get(auth, id, key) };
  }

  @Put(':key')
  async update(@Auth() auth: AuthContext, @Param('id') id: string, @Param('key') key: string, @Body() body: unknown): Promise<unknown> {
    const given = parseUpdateSpec(key, body);
    await this.specs.set(auth, id, asStrings(given), 'update');
    return given;
  }

  @Delete(':key')
  @HttpCode(200)
  async delete(@Auth() auth: AuthContext, @Param('id') id: string, @Param('key') key: string): Promise<void> {
    await this.specs.delete(auth, id, key);
  }
}
