import type Router from '@koa/router';
import { KpiQuery } from '../../../protocol/index';
import { Permission } from '../auth/permissions';
import { kpiReport } from '../stats/kpis';
import type { ApiDeps } from './api';
import { requirePermission } from './auth';

/** Figures for those who watch everything (supervisors, admins): the contact-centre KPIs of a period. */
export function statsRoutes(r: Router, { sessions, db }: ApiDeps): void {
  r.get('/stats/kpis', requirePermission(sessions, Permission.WatchAll), async (ctx) => {
    const raw = ctx.query.days;
    const { days } = KpiQuery.parse({ days: Array.isArray(raw) ? raw.join(',') : raw });
    ctx.set('Cache-Control', 'no-store');
    ctx.body = await kpiReport(db, days);
  });
}
