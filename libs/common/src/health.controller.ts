import { Controller, Get, Header } from '@nestjs/common';
import { Public } from './public.decorator';

/** `/healthcheck` → 200 `OK` (oslo.middleware's answer), no token needed; Fastify adds HEAD. */
@Controller('healthcheck')
@Public()
export class HealthController {
  @Get()
  @Header('content-type', 'text/plain; charset=utf-8')
  get(): string {
    return 'OK';
  }
}
