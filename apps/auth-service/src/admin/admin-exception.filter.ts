import { Catch, Inject, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { AdminRequestError } from './admin-request.error.js';

/** An admin error answer: status, the `error` class, and headers beyond the defaults. */
interface AdminErrorAnswer {
  status: number;
  error: 'invalid_request';
  errorCode: string;
  message: string;
  headers?: Record<string, string>;
}

/**
 * Answers the admin API's own errors as JSON `{ "error", "errorCode", "message" }` with `Cache-Control: no-store`:
 * bad input 400 `invalid_request`. Token failures (`AuthError`) pass on to `AuthExceptionFilter` (RFC 6750).
 *
 * @example
 * @UseFilters(AdminExceptionFilter)
 */
@Catch(AdminRequestError)
export class AdminExceptionFilter implements ExceptionFilter<AdminRequestError> {
  constructor(@Inject(HttpAdapterHost) private readonly adapterHost: HttpAdapterHost) {}

  catch(error: AdminRequestError, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<unknown>();
    const { httpAdapter } = this.adapterHost;
    const { status, headers, ...body }: AdminErrorAnswer = {
      status: 400,
      error: 'invalid_request',
      errorCode: error.code,
      message: error.message,
    };
    for (const [name, value] of Object.entries({ 'Cache-Control': 'no-store', ...headers })) {
      httpAdapter.setHeader(response, name, value);
    }
    httpAdapter.reply(response, body, status);
  }
}
