import type { Type } from '@nestjs/common';
import { HealthController } from '@kumo/common';
import { ApplicationCredentialsController } from './application-credentials/application-credentials.controller';
import { AuthController } from './auth/auth.controller';
import { EndpointsController } from './catalog/endpoints.controller';
import { RegionsController } from './catalog/regions.controller';
import { ServicesController } from './catalog/services.controller';
import { DomainsController } from './domains/domains.controller';
import { GrantsController } from './grants/grants.controller';
import { GroupsController } from './groups/groups.controller';
import { ProjectsController } from './projects/projects.controller';
import { RoleAssignmentsController } from './role-assignments/role-assignments.controller';
import { RoleInferencesController } from './roles/role-inferences.controller';
import { RolesController } from './roles/roles.controller';
import { UsersController } from './users/users.controller';
import { VersionsController } from './versions/versions.controller';

/** Every HTTP controller of the identity API (Fastify routes by specificity, so the order does not matter). */
export const IDENTITY_CONTROLLERS: Type[] = [
  VersionsController,
  HealthController,
  AuthController,
  DomainsController,
  ProjectsController,
  UsersController,
  ApplicationCredentialsController,
  GroupsController,
  RolesController,
  RoleInferencesController,
  GrantsController,
  RoleAssignmentsController,
  RegionsController,
  ServicesController,
  EndpointsController,
];
