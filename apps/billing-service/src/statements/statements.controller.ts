import { Controller, Get, Req, UseGuards } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import { Scopes, type AccessTokenClaims } from '@app/auth';

/** A monthly statement as billing shows it. */
export interface Statement {
  period: string;
  customer: string;
  totalCents: number;
  currency: 'EUR';
}

/**
 * The sample route of the Passport adapter: written as a service on `@nestjs/passport` writes it
 * (`AuthGuard('jwt')`, the user in `req.user`), checked by the same ResourceServer as `/invoices` and answered the
 * same way (`PassportAuthModule` in the app module).
 */
@Controller('statements')
@UseGuards(AuthGuard('jwt'))
export class StatementsController {
  @Get()
  @Scopes('billing:read')
  list(@Req() request: { user: AccessTokenClaims }): { customer: string; statements: Statement[] } {
    const customer = request.user.sub;
    return { customer, statements: [{ period: '2026-11', customer, totalCents: 4200, currency: 'EUR' }] };
  }
}
