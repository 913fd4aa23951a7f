import { Body, Controller, Delete, Get, Headers, HttpCode, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { BadRequest, Public } from '@kumo/common';
import { Auth, AuthContext } from '@kumo/auth';
import { authRequest } from '@kumo/contracts';
import { AuthFlowService } from '../../services/auth-flow.service';
import { QueryParam } from '../query-param';
import { ApiLinks } from '../links';
import { domainView } from '../domains/domains.view';
import { projectView } from '../projects/projects.view';
import { renderToken } from './token.view';

type Json = Record<string, unknown>;

/** `/v3/auth/*`: issue, validate, check and revoke tokens; the caller's catalog, projects, domains, system. */
@Controller('v3/auth')
export class AuthController {
  constructor(
    private readonly flow: AuthFlowService,
    private readonly links: ApiLinks,
  ) {}

  @Post('tokens')
  @Public()
  @HttpCode(201)
  async issue(
    @Body() body: unknown,
    @QueryParam('nocatalog') nocatalog: string | undefined,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<unknown> {
    const req = authRequest.parse(body ?? {});
    const issued = await this.flow.issue(req, nocatalog === undefined, request.ip);
    void reply.header('x-subject-token', issued.token.token);
    return renderToken(issued.token, issued.catalog);
  }

  @Get('tokens')
  async validate(
    @Auth() auth: AuthContext,
    @Headers('x-subject-token') subject: string | undefined,
    @QueryParam('nocatalog') nocatalog: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<unknown> {
    const valid = await this.flow.validate(auth, requireSubject(subject), nocatalog === undefined);
    void reply.header('x-subject-token', subject);
    return renderToken(valid.token, valid.catalog);
  }

  @Delete('tokens')
  @HttpCode(204)
  async revoke(@Auth() auth: AuthContext, @Headers('x-subject-token') subject: string | undefined): Promise<void> {
    await this.flow.revoke(auth, requireSubject(subject));
  }

  @Get('catalog')
  async catalog(@Auth() auth: AuthContext): Promise<unknown> {
    return this.links.list('catalog', (await this.flow.catalog(auth)) as unknown as Json[], 'auth/catalog');
  }

  @Get('projects')
  async projects(@Auth() auth: AuthContext): Promise<unknown> {
    const projects = await this.flow.projects(auth);
    return this.links.list('projects', projects.map((p) => projectView(this.links, p)), 'auth/projects');
  }

  @Get('domains')
  async domains(@Auth() auth: AuthContext): Promise<unknown> {
    const domains = await this.flow.domains(auth);
    return this.links.list('domains', domains.map((d) => domainView(this.links, d)), 'auth/domains');
  }

  @Get('system')
  async system(@Auth() auth: AuthContext): Promise<unknown> {
    return this.links.list('system', (await this.flow.hasSystemRole(auth)) ? [{ all: true }] : [], 'auth/system');
  }
}

function requireSubject(subject: string | undefined): string {
  if (!subject) throw new BadRequest('The X-Subject-Token header is required.');
  return subject;
}
