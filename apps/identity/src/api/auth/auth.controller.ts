import { Body, Controller, Delete, Get, Headers, HttpCode, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { BadRequest, Public } from '@kumo/common';
import { Auth, AuthContext } from '@kumo/auth';
import { authRequest } from '@kumo/contracts';
import { TokensService } from '../../services/tokens.service';
import { QueryParam } from '../query-param';

/** `/v3/auth/*`: issue, validate, check and revoke tokens; the caller's catalog, projects, domains, system. */
@Controller('v3/auth')
export class AuthController {
  constructor(private readonly tokens: TokensService) {}

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
    const { token, body: out } = await this.tokens.issue(req, nocatalog === undefined, request.ip);
    void reply.header('x-subject-token', token);
    return out;
  }

  @Get('tokens')
  async validate(
    @Auth() auth: AuthContext,
    @Headers('x-subject-token') subject: string | undefined,
    @QueryParam('nocatalog') nocatalog: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<unknown> {
    const body = await this.tokens.validate(auth, requireSubject(subject), nocatalog === undefined);
    void reply.header('x-subject-token', subject);
    return body;
  }

  @Delete('tokens')
  @HttpCode(204)
  async revoke(@Auth() auth: AuthContext, @Headers('x-subject-token') subject: string | undefined): Promise<void> {
    await this.tokens.revoke(auth, requireSubject(subject));
  }

  @Get('catalog')
  async catalog(@Auth() auth: AuthContext): Promise<unknown> {
    return this.tokens.catalog(auth);
  }

  @Get('projects')
  async projects(@Auth() auth: AuthContext): Promise<unknown> {
    return this.tokens.projects(auth);
  }

  @Get('domains')
  async domains(@Auth() auth: AuthContext): Promise<unknown> {
    return this.tokens.domains(auth);
  }

  @Get('system')
  async system(@Auth() auth: AuthContext): Promise<unknown> {
    return this.tokens.system(auth);
  }
}

function requireSubject(subject: string | undefined): string {
  if (!subject) throw new BadRequest('The X-Subject-Token header is required.');
  return subject;
}
