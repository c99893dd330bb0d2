import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261129000000 } from './Migration20261129000000.js';
import { Migration20261129100000 } from './Migration20261129100000.js';
import { Migration20261129110000 } from './Migration20261129110000.js';
import { Migration20261129120000 } from './Migration20261129120000.js';
import { Migration20261129130000 } from './Migration20261129130000.js';
import { Migration20261203100000 } from './Migration20261203100000.js';
import { Migration20261203110000 } from './Migration20261203110000.js';
import { Migration20261203120000 } from './Migration20261203120000.js';
import { Migration20261203130000 } from './Migration20261203130000.js';
import { Migration20261203140000 } from './Migration20261203140000.js';
import { Migration20261203150000 } from './Migration20261203150000.js';
import { Migration20261204100000 } from './Migration20261204100000.js';
import { Migration20261204110000 } from './Migration20261204110000.js';
import { Migration20261204120000 } from './Migration20261204120000.js';
import { Migration20261205100000 } from './Migration20261205100000.js';
import { Migration20261205120000 } from './Migration20261205120000.js';
import { Migration20261205140000 } from './Migration20261205140000.js';
import { Migration20261205150000 } from './Migration20261205150000.js';
import { Migration20261206100000 } from './Migration20261206100000.js';
import { Migration20261206100100 } from './Migration20261206100100.js';

/**
 * Migrations registered by import rather than found on disk: `.ts` files
 * loaded by path fail under vitest, and emitted CommonJS breaks in an ESM
 * package (STACK.md). Append new ones here, oldest first.
 */
export const migrationsList: MigrationObject[] = [
  { name: 'Migration20261129000000', class: Migration20261129000000 },
  { name: 'Migration20261129100000', class: Migration20261129100000 },
  { name: 'Migration20261129110000', class: Migration20261129110000 },
  { name: 'Migration20261129120000', class: Migration20261129120000 },
  { name: 'Migration20261129130000', class: Migration20261129130000 },
  { name: 'Migration20261203100000', class: Migration20261203100000 },
  { name: 'Migration20261203110000', class: Migration20261203110000 },
  { name: 'Migration20261203120000', class: Migration20261203120000 },
  { name: 'Migration20261203130000', class: Migration20261203130000 },
  { name: 'Migration20261203140000', class: Migration20261203140000 },
  { name: 'Migration20261203150000', class: Migration20261203150000 },
  { name: 'Migration20261204100000', class: Migration20261204100000 },
  { name: 'Migration20261204110000', class: Migration20261204110000 },
  { name: 'Migration20261204120000', class: Migration20261204120000 },
  { name: 'Migration20261205100000', class: Migration20261205100000 },
  { name: 'Migration20261205120000', class: Migration20261205120000 },
  { name: 'Migration20261205140000', class: Migration20261205140000 },
  { name: 'Migration20261205150000', class: Migration20261205150000 },
  { name: 'Migration20261206100000', class: Migration20261206100000 },
  { name: 'Migration20261206100100', class: Migration20261206100100 },
];
