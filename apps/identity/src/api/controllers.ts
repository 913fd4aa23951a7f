import type { Type } from '@nestjs/common';
import { HealthController } from '@kumo/common';
import { AuthController } from './auth/auth.controller';
import { VersionsController } from './versions/versions.controller';

/** Every HTTP controller of the identity API (add new resource controllers here). */
export const IDENTITY_CONTROLLERS: Type[] = [VersionsController, HealthController, AuthController];
