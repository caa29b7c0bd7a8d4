/**
 * Injection token of the resolved {@link ResolvedAuthOptions} (defaults applied, validated).
 *
 * @example
 * ```ts
 * constructor(@Inject(AUTH_OPTIONS) private readonly options: ResolvedAuthOptions) {}
 * ```
 */
export const AUTH_OPTIONS = Symbol('AUTH_OPTIONS');
