import { Reflector } from '@nestjs/core';

/**
 * Opens a route (or a whole controller) when `JwtAuthGuard` is applied app-wide or to its controller.
 *
 * @example
 * ```ts
 * @Public()
 * @Get('health') health() { … }
 * ```
 */
export const Public = Reflector.createDecorator<void, true>({ transform: () => true });
