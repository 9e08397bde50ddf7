import type { Db } from './db/index';
import { now } from './db/index';

export type Site = { id: number; key: string; name: string; origins: string[]; identitySecret: string };

/** Shops that embed the widget: their site key, allowed origins and identity secret. */
export class SiteRegistry {
  private sites = new Map<string, Site>();

  constructor(private readonly db: Db) {}

  async load(): Promise<void> {
    const rows: { id: number; key: string; name: string; allowed_origins: string; identity_secret: string }[] = await this.db('sites');
    this.sites = new Map(
      rows.map((r) => [r.key, { id: r.id, key: r.key, name: r.name, origins: JSON.parse(r.allowed_origins) as string[], identitySecret: r.identity_secret }]),
    );
  }

  /** Creates or updates a site from configuration. */
  async upsert(site: Omit<Site, 'id'>): Promise<void> {
    const fields = { name: site.name, allowed_origins: JSON.stringify(site.origins), identity_secret: site.identitySecret };
    const existing = await this.db('sites').where({ key: site.key }).first();
    if (existing) await this.db('sites').where({ key: site.key }).update(fields);
    else await this.db('sites').insert({ key: site.key, ...fields, created_at: now() });
    await this.load();
  }

  all(): Site[] {
    return [...this.sites.values()];
  }

  byKey(key: string): Site | undefined {
    return this.sites.get(key);
  }
}
