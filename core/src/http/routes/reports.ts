import { Type } from '@sinclair/typebox';
import { access } from '../access.js';
import type { ServiceContext } from '../../services/context.js';
import { campaignReport, reportToCsv } from '../../services/reports.js';
import type { App } from '../types.js';
import { AnyObject, errors, Nullable, TierView } from '../schemas.js';

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });

const Report = Type.Object({
  campaign: Type.Object({
    id: Type.String(),
    title: Type.String(),
    organization: Nullable(Type.String()),
    startsAt: Nullable(Type.String()),
    endsAt: Nullable(Type.String()),
  }),
  generatedAt: Type.String(),
  challenges: Type.Array(
    Type.Object({
      id: Type.String(),
      title: Type.String(),
      actionType: Type.String(),
      unit: Nullable(Type.String()),
      status: Type.String(),
      closedAt: Nullable(Type.String()),
      participants: Type.Number(),
      quantity: Type.Number(),
      co2eKg: Type.Number(),
      tiers: Type.Array(TierView),
      invalidated: Type.Object(
        { participants: Type.Number(), quantity: Type.Number(), co2eKg: Type.Number() },
        { description: 'what batch invalidations took out of the counts (ADR 0039)' },
      ),
    }),
  ),
  totals: Type.Object({
    participants: Type.Number(),
    quantityByUnit: Type.Record(Type.String(), Type.Number()),
    co2eKg: Type.Number(),
  }),
  sources: Type.Array(AnyObject),
});

export async function reportRoutes(app: App, ctx: ServiceContext): Promise<void> {
  app.get(
    '/api/campaigns/:id/report',
    {
      schema: {
        'x-tandem-access': access.role('admin', {
          note: 'also the admins of a sponsor of one of its tiers',
        }),
        tags: ['reports'],
        summary: 'The campaign report for the organizer and its sponsors',
        params: IdParams,
        response: { 200: Report, ...errors(401, 403, 404) },
      },
    },
    async (request) => campaignReport(ctx, request.viewer, request.params.id),
  );

  app.get(
    '/api/campaigns/:id/report.csv',
    {
      schema: {
        'x-tandem-access': access.role('admin', {
          note: 'also the admins of a sponsor of one of its tiers',
        }),
        tags: ['reports'],
        summary: 'The campaign report as CSV',
        params: IdParams,
        produces: ['text/csv'],
      },
    },
    async (request, reply) => {
      const report = await campaignReport(ctx, request.viewer, request.params.id);
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="report-${request.params.id}.csv"`)
        .send(reportToCsv(report));
    },
  );
}
