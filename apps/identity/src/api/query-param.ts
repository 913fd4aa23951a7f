import { createParamDecorator, ExecutionContext } from '@nestjs/common';

/**
 * One query parameter as a string: the first value when the key is repeated (as Keystone's
 * `request.args.get` takes it), undefined when absent. Looked up as an own key only, so that a
 * prototype name (`constructor`, `toString`) is just a parameter that was not given.
 */
export const QueryParam = createParamDecorator((name: string, ctx: ExecutionContext): string | undefined => {
  const query = (ctx.switchToHttp().getRequest<{ query?: unknown }>().query ?? {}) as Record<string, unknown>;
  const value = Object.hasOwn(query, name) ? query[name] : undefined;
  const first = Array.isArray(value) ? (value as unknown[])[0] : value;
  return typeof first === 'string' ? first : undefined;
});
