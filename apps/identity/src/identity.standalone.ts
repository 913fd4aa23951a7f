import { INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { DataSource } from 'typeorm';
import type { IdentityConfig } from './config';
import { IdentityCoreModule } from './identity.module';
import { EventPublisher } from './services/events';

class NoPublisher extends EventPublisher {
  async publish(): Promise<void> {
    // management commands run without the bus; API processes publish
  }
}

/** The identity services without HTTP, for management commands. */
export async function createStandaloneIdentity(config: IdentityConfig, dataSource: DataSource): Promise<INestApplicationContext> {
  @Module({ imports: [IdentityCoreModule.register({ config, dataSource, publisher: new NoPublisher() })] })
  class StandaloneModule {}
  return NestFactory.createApplicationContext(StandaloneModule, { logger: ['error', 'warn'] });
}
