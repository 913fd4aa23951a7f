import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { Auth, AuthContext } from '@kumo/auth';
import { ApplicationCredentialsService } from '../../services/application-credentials.service';
import { parseBody } from '../validation';
import { ApiLinks } from '../links';
import { applicationCredentialView } from './application-credentials.view';
import { appCredCreate } from './application-credentials.schema';
import { QueryParam } from '../query-param';

/** `/v3/users/{id}/application_credentials`. */
@Controller('v3/users/:userId/application_credentials')
export class ApplicationCredentialsController {
  constructor(
    private readonly appCreds: ApplicationCredentialsService,
    private readonly links: ApiLinks,
  ) {}

  @Post()
  @HttpCode(201)
  async create(@Auth() auth: AuthContext, @Param('userId') userId: string, @Body() body: unknown): Promise<unknown> {
    const { cred, roles, secret } = await this.appCreds.create(auth, userId, parseBody(appCredCreate, body).application_credential);
    return { application_credential: applicationCredentialView(this.links, cred, roles, secret) };
  }

  @Get()
  async list(@Auth() auth: AuthContext, @Param('userId') userId: string, @QueryParam('name') name?: string): Promise<unknown> {
    const creds = await this.appCreds.list(auth, userId, name);
    return this.links.list(
      'application_credentials',
      creds.map((c) => applicationCredentialView(this.links, c.cred, c.roles)),
      `users/${userId}/application_credentials`,
    );
  }

  @Get(':id')
  async get(@Auth() auth: AuthContext, @Param('userId') userId: string, @Param('id') id: string): Promise<unknown> {
    const c = await this.appCreds.get(auth, userId, id);
    return { application_credential: applicationCredentialView(this.links, c.cred, c.roles) };
  }

  @Delete(':id')
  @HttpCode(204)
  async delete(@Auth() auth: AuthContext, @Param('userId') userId: string, @Param('id') id: string): Promise<void> {
    await this.appCreds.delete(auth, userId, id);
  }
}
