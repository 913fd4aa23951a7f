import { DynamicModule, Module } from '@nestjs/common';
import { AuthModule, TokenValidator } from '@kumo/auth';
import { IDENTITY_CONTROLLERS } from './api/controllers';
import { IdentityCoreModule, IdentityModuleOptions } from './identity.module';
import { IDENTITY_POLICY } from './policy/identity.policy';
import { LocalTokenValidator } from './services/local-token.validator';
import { AuthFlowService } from './services/auth-flow.service';
import { ApiLinks } from './api/links';
import { RoleAssignmentsView } from './api/role-assignments/role-assignments.view';
import { ApplicationCredentialsService } from './services/application-credentials.service';
import { CatalogAdminService } from './services/catalog-admin.service';
import { DomainsService } from './services/domains.service';
import { GrantsService } from './services/grants.service';
import { GroupsService } from './services/groups.service';
import { ProjectsService } from './services/projects.service';
import { ImpliedRolesService } from './services/implied-roles.service';
import { RolesService } from './services/roles.service';
import { UsersService } from './services/users.service';

/** The identity HTTP API: core services, the guard (validating in-process) and every controller. */
@Module({})
export class IdentityApiModule {
  static register(opts: IdentityModuleOptions): DynamicModule {
    return {
      module: IdentityApiModule,
      imports: [
        IdentityCoreModule.register(opts),
        AuthModule.forRoot({
          validator: { provide: TokenValidator, useExisting: LocalTokenValidator },
          policies: IDENTITY_POLICY,
          identityUri: opts.config.identity.public_url,
        }),
      ],
      providers: [
        AuthFlowService,
        ApiLinks,
        RoleAssignmentsView,
        DomainsService,
        ProjectsService,
        UsersService,
        GroupsService,
        RolesService,
        ImpliedRolesService,
        GrantsService,
        CatalogAdminService,
        ApplicationCredentialsService,
      ],
      controllers: IDENTITY_CONTROLLERS,
    };
  }
}
