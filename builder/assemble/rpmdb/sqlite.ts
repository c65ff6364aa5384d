// rpm ≥ 4.16's sqlite backend (lib/backend/sqlite.c), written with better-sqlite3: the
// same schema text, the same file state (WAL journal mode, user_version 0), tables and indexes
// created in rpm's order, rows inserted as rpmdbAdd does (Packages first, then every index
// for that header), and `ANALYZE` of the two tables rpm's own `PRAGMA optimize` ends up
// analysing. Deterministic: the same headers in the same order give the same file bytes.
import { closeSync, fsyncSync, openSync } from 'node:fs';
import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';
import { INDEXES, indexRows } from './indexes.js';
import type { Header } from '../../rpm/header.js';

export interface InstalledRecord {
  blob: Buffer;
  header: Header;
}

export function writeSqliteRpmdb(file: string, records: readonly InstalledRecord[]): void {
  // Loaded on first use (a native addon): BDB-format and no-op builds never pay for it.
  const Database = createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3;
  const db = new Database(file);
  try {
    // Bulk load into a private temp file: no journal, no syncs (a crash leaves only the
    // temp file, which the caller discards); WAL, as rpm leaves it, is set at the end.
    db.pragma('journal_mode = OFF');
    db.pragma('synchronous = OFF');
    db.pragma('secure_delete = OFF');
    db.exec(`CREATE TABLE IF NOT EXISTS 'Packages' (hnum INTEGER PRIMARY KEY AUTOINCREMENT,blob BLOB NOT NULL)`);
    for (const def of INDEXES) {
      db.exec(
        `CREATE TABLE IF NOT EXISTS '${def.name}' (key '${def.keyType}' NOT NULL, hnum INTEGER NOT NULL, idx INTEGER NOT NULL, FOREIGN KEY (hnum) REFERENCES 'Packages'(hnum))`,
      );
    }
    const putPkg = db.prepare(`INSERT INTO 'Packages' (hnum, blob) VALUES (?, ?)`);
    const putIdx = INDEXES.map((def) => ({ def, stmt: db.prepare(`INSERT INTO '${def.name}' VALUES(?, ?, ?)`) }));
    const insertAll = db.transaction(() => {
      records.forEach((r, i) => {
        const hnum = i + 1;
        putPkg.run(hnum, r.blob);
        for (const { def, stmt } of putIdx) {
          for (const row of indexRows(r.header, def)) stmt.run(row.key, hnum, row.idx);
        }
      });
    });
    insertAll();
    // Secondary indexes built once over the loaded rows (a third faster than maintaining
    // them row by row); the same indexes rpm creates: string keys, and hnum for
    // per-element (array) tags. Only their order in sqlite_master differs from rpm's.
    for (const def of INDEXES) {
      if (def.keyType === 'TEXT') db.exec(`CREATE INDEX IF NOT EXISTS '${def.name}_key_idx' ON '${def.name}'(key ASC)`);
      if (def.array) db.exec(`CREATE INDEX IF NOT EXISTS '${def.name}_hnum_idx' ON '${def.name}'(hnum ASC)`);
    }
    // rpm closes with PRAGMA optimize, which analyses the tables it queried while
    // installing (Name and Basenames); do the same so the query planner sees the same stats.
    db.exec(`ANALYZE 'Basenames'; ANALYZE 'Name';`);
    db.pragma('journal_mode = WAL');
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
  // Durable before the caller renames it into place.
  const fd = openSync(file, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
