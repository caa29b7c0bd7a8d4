import { Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { ResourceServer } from '../resource-server.js';

/**
 * Starts the module's {@link ResourceServer} once the app boots, without blocking the boot (readiness reports
 * progress), and stops it on shutdown.
 */
@Injectable()
export class AuthLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(private readonly server: ResourceServer) {}

  onApplicationBootstrap(): void {
    this.server.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.server.stop();
  }
}
