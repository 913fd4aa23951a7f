import { INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { DataSource } from 'typeorm';
import type { IdentityConfig } from './config';
import { IdentityCoreModule } from './identity.module';
import { EventPublisher } from './services/events';

class NoPublisher extends EventPublisher {
  async publish(): Promise<void> {
    // a management command that changes nothing other processes keep (db sync, key rotation)
  }
}

/**
 * The identity services without HTTP, for management commands; `publisher` tells the identity
 * processes what the command changed (kumo-manage's catalog commands), none by default.
 */
export async function createStandaloneIdentity(config: IdentityConfig, dataSource: DataSource, publisher: EventPublisher = new NoPublisher()): Promise<INestApplicationContext> {
  @Module({ imports: [IdentityCoreModule.register({ config, dataSource, publisher })] })
  class StandaloneModule {}
  return NestFactory.createApplicationContext(StandaloneModule, { logger: ['error', 'warn'] });
}
