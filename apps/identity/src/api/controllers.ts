import type { Type } from '@nestjs/common';
import { HealthController } from '@kumo/common';
import { AuthController } from './auth/auth.controller';
import { EndpointsController, RegionsController, ServicesController } from './resources/catalog.controller';
import { DomainsController, ProjectsController } from './resources/projects.controller';
import { GrantsController, RolesController } from './resources/roles.controller';
import { GroupsController, UsersController } from './resources/users.controller';
import { VersionsController } from './versions/versions.controller';

/** Every HTTP controller of the identity API. GrantsController comes before the resource controllers' `:id` routes don't clash (Fastify routes by specificity). */
export const IDENTITY_CONTROLLERS: Type[] = [
  VersionsController,
  HealthController,
  AuthController,
  DomainsController,
  ProjectsController,
  UsersController,
  GroupsController,
  RolesController,
  GrantsController,
  RegionsController,
  ServicesController,
  EndpointsController,
];
