import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { Auth, AuthContext } from '@kumo/auth';
import { ImageMembersService } from '../../services/image-members.service';
import { memberListView, memberView } from './members.view';

/** `/v2/images/{id}/members`: sharing an image with other projects. */
@Controller('v2/images/:id/members')
export class MembersController {
  constructor(private readonly members: ImageMembersService) {}

  @Post()
  @HttpCode(200)
  async add(@Auth() auth: AuthContext, @Param('id') id: string, @Body() body: unknown): Promise<unknown> {
    return memberView(await this.members.add(auth, id, body));
  }

  @Get()
  async list(@Auth() auth: AuthContext, @Param('id') id: string): Promise<unknown> {
    return memberListView(await this.members.list(auth, id));
  }

  @Get(':member')
  async get(@Auth() auth: AuthContext, @Param('id') id: string, @Param('member') member: string): Promise<unknown> {
    return memberView(await this.members.get(auth, id, member));
  }

  @Put(':member')
  async update(@Auth() auth: AuthContext, @Param('id') id: string, @Param('member') member: string, @Body() body: unknown): Promise<unknown> {
    return memberView(await this.members.update(auth, id, member, body));
  }

  @Delete(':member')
  @HttpCode(204)
  async delete(@Auth() auth: AuthContext, @Param('id') id: string, @Param('member') member: string): Promise<void> {
    await this.members.delete(auth, id, member);
  }
}
