// rpm ≥ 4.16's sqlite backend (lib/backend/sqlite.c), written with better-sqlite3: the
// same schema text, the same pragmas (WAL journal, user_version 0), tables and indexes
// created in rpm's order, rows inserted as rpmdbAdd does (Packages first, then every index
// for that header), and `ANALYZE` of the two tables rpm's own `PRAGMA optimize` ends up
// analysing. Deterministic: the same headers in the same order give the same file bytes.
import Database from 'better-sqlite3';
import { INDEXES, indexRows } from './indexes.js';
import type { Header } from '../../rpm/header.js';

export interface InstalledRecord {
  blob: Buffer;
  header: Header;
}

export function writeSqliteRpmdb(file: string, records: readonly InstalledRecord[]): void {
  const db = new Database(file);
  try {
    db.pragma('secure_delete = OFF');
    db.pragma('case_sensitive_like = ON');
    db.pragma('journal_mode = WAL');
    db.exec(`CREATE TABLE IF NOT EXISTS 'Packages' (hnum INTEGER PRIMARY KEY AUTOINCREMENT,blob BLOB NOT NULL)`);
    for (const def of INDEXES) {
      db.exec(
        `CREATE TABLE IF NOT EXISTS '${def.name}' (key '${def.keyType}' NOT NULL, hnum INTEGER NOT NULL, idx INTEGER NOT NULL, FOREIGN KEY (hnum) REFERENCES 'Packages'(hnum))`,
      );
      // rpm indexes string keys, and hnum only for per-element (array) tags.
      if (def.keyType === 'TEXT') db.exec(`CREATE INDEX IF NOT EXISTS '${def.name}_key_idx' ON '${def.name}'(key ASC)`);
      if (def.array) db.exec(`CREATE INDEX IF NOT EXISTS '${def.name}_hnum_idx' ON '${def.name}'(hnum ASC)`);
    }
    const putPkg = db.prepare(`INSERT INTO 'Packages' (hnum, blob) VALUES (?, ?)`);
    const putIdx = INDEXES.map((def) => ({ def, stmt: db.prepare(`INSERT INTO '${def.name}' VALUES(?, ?, ?)`) }));
    const insertAll = db.transaction(() => {
      records.forEach((r, i) => {
        const hnum = i + 1;
        putPkg.run(hnum, r.blob);
        for (const { def, stmt } of putIdx) {
          for (const row of indexRows(r.header, def)) stmt.run(def.keyType === 'TEXT' ? row.key.toString('utf8') : row.key, hnum, row.idx);
        }
      });
    });
    insertAll();
    // rpm closes with PRAGMA optimize, which analyses the tables it queried while
    // installing (Name and Basenames); do the same so the query planner sees the same stats.
    db.exec(`ANALYZE 'Basenames'; ANALYZE 'Name';`);
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
}
