import { Controller, Get, Param, Req } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { RequireScope } from '../auth/auth.decorators';
import { EmailService } from '../dispatch/email.service';
import { EmailContentView, emailContentView } from './email-content.view';
import { visibleTenant } from '../auth/principal';

/** The stored content of one email, for the console's preview. */
@ApiTags('emails')
@Controller('v1/emails')
export class EmailContentController {
  constructor(private readonly emails: EmailService) {}

  @Get(':id/content')
  @RequireScope('read')
  @ApiOkResponse({
    type: EmailContentView,
    description: 'HTML and text bodies, custom headers, attachment names and sizes (no bytes)',
  })
  async content(@Param('id') id: string, @Req() req: FastifyRequest): Promise<EmailContentView> {
    const { email } = await this.emails.get(id, visibleTenant(req));
    return emailContentView(email);
  }
}
