import { describe, expect, it } from '@jest/globals';
import type { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { Public } from './public.decorator.js';
import { RequireRecentAuth } from './require-recent-auth.decorator.js';
import { routeRequirements } from './route-requirements.js';
import { Scopes } from './scopes.decorator.js';

@Scopes('orders:read')
@RequireRecentAuth(600)
class StrictController {
  @RequireRecentAuth(300)
  stricterHandler(): void {}

  @RequireRecentAuth(900)
  laxerHandler(): void {}

  inherits(): void {}
}

class PlainController {
  @Scopes('orders:write')
  @RequireRecentAuth(300)
  remove(): void {}

  @Scopes('orders:read')
  list(): void {}

  @Public()
  @RequireRecentAuth(300)
  open(): void {}
}

function requirementsOf<T>(controller: new () => T, handler: keyof T) {
  const context = {
    getClass: () => controller,
    getHandler: () => controller.prototype[handler],
  } as unknown as ExecutionContext;
  return routeRequirements(new Reflector(), context);
}

describe('routeRequirements with @RequireRecentAuth', () => {
  it.each<[string, () => ReturnType<typeof requirementsOf>, number | undefined]>([
    ['a handler bound', () => requirementsOf(PlainController, 'remove'), 300],
    ['no bound anywhere', () => requirementsOf(PlainController, 'list'), undefined],
    ['the controller bound, inherited', () => requirementsOf(StrictController, 'inherits'), 600],
    ['a stricter handler bound over the controller', () => requirementsOf(StrictController, 'stricterHandler'), 300],
    ['the stricter controller bound over a laxer handler', () => requirementsOf(StrictController, 'laxerHandler'), 600],
  ])('%s: maxAuthAgeSeconds %s', (_name, read, expected) => {
    expect(read().maxAuthAgeSeconds).toBe(expected);
  });

  it('keeps the scopes next to the bound, and @Public still opens the route', () => {
    expect(requirementsOf(PlainController, 'remove')).toEqual({
      public: false,
      scopes: ['orders:write'],
      maxAuthAgeSeconds: 300,
    });
    expect(requirementsOf(PlainController, 'open')).toEqual({ public: true, scopes: [] });
  });

  it.each([0, -1, 2.5, Number.NaN, Number.POSITIVE_INFINITY, '300'])(
    'refuses @RequireRecentAuth(%p) at decoration time',
    (seconds) => {
      expect(() => RequireRecentAuth(seconds as number)).toThrow(TypeError);
    },
  );
});
