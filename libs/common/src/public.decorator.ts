import { SetMetadata } from '@nestjs/common';

/** Metadata key read by the auth guard: routes marked @Public() need no token. */
export const IS_PUBLIC_KEY = 'kumo:isPublic';

/** Marks a route (or controller) as reachable without a token: version documents, health checks. */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC_KEY, true);
