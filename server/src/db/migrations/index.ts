import type { Knex } from 'knex';
import * as m001 from './20261123_001_initial';
import * as m002 from './20261124_002_sessions_nonces';
import * as m003 from './20261125_003_conversations';
import * as m004 from './20261126_004_ring_peer';
import * as m005 from './20261127_005_routing';
import * as m006 from './20261128_006_tickets';
import * as m007 from './20261129_007_transfer';
import * as m008 from './20261130_008_canned';
import * as m009 from './20261201_009_hours';
import * as m010 from './20261202_010_admin';
import * as m011 from './20261203_011_callback';
import * as m012 from './20261204_012_conversation_capacity';
import * as m013 from './20261205_013_kpi_indexes';

type Migration = { up(knex: Knex): Promise<void>; down(knex: Knex): Promise<void> };

/** Every migration, in order. Add new ones here (date-prefixed names). */
const migrations: ReadonlyArray<readonly [string, Migration]> = [
  ['20261123_001_initial', m001],
  ['20261124_002_sessions_nonces', m002],
  ['20261125_003_conversations', m003],
  ['20261126_004_ring_peer', m004],
  ['20261127_005_routing', m005],
  ['20261128_006_tickets', m006],
  ['20261129_007_transfer', m007],
  ['20261130_008_canned', m008],
  ['20261201_009_hours', m009],
  ['20261202_010_admin', m010],
  ['20261203_011_callback', m011],
  ['20261204_012_conversation_capacity', m012],
  ['20261205_013_kpi_indexes', m013],
];

/** Explicit list instead of a directory scan: works the same under tsx, vitest and a bundle. */
export const migrationSource: Knex.MigrationSource<readonly [string, Migration]> = {
  getMigrations: async () => [...migrations],
  getMigrationName: ([name]) => name,
  getMigration: async ([, m]) => m,
};
