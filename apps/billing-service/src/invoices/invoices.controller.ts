import { Controller, Get, UseGuards } from '@nestjs/common';
import { Claims, JwtAuthGuard, Scopes, type AccessTokenClaims } from '@app/auth';

/** An invoice as billing shows it. */
export interface Invoice {
  id: string;
  customer: string;
  amountCents: number;
  currency: 'EUR';
}

@Controller('invoices')
@UseGuards(JwtAuthGuard)
export class InvoicesController {
  @Get()
  @Scopes('billing:read')
  list(@Claims() claims: AccessTokenClaims): { customer: string; invoices: Invoice[] } {
    return {
      customer: claims.sub,
      invoices: [{ id: `inv-${claims.sub}-1`, customer: claims.sub, amountCents: 4200, currency: 'EUR' }],
    };
  }
}
