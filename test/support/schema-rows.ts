import type { SqlExecutor } from '../../apps/auth-service/src/storage/database.js';

/** One row of a table, as Postgres renders it in JSON (`row_to_json`). */
export interface TableRow {
  table: string;
  row: Record<string, unknown>;
}

/**
 * Every row of every table in the connection's current schema (found through `information_schema`, so a table
 * added later is read too).
 *
 * @example
 * const rows = await readAllRows(app.get(Database));
 */
export async function readAllRows(db: SqlExecutor): Promise<TableRow[]> {
  const tables = await db.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables
      WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`,
  );
  const rows: TableRow[] = [];
  for (const { table_name: table } of tables) {
    const found = await db.query<{ row: Record<string, unknown> | string }>(
      `SELECT row_to_json(t) AS row FROM "${table.replaceAll('"', '""')}" t`,
    );
    for (const { row } of found) rows.push({ table, row: typeof row === 'string' ? JSON.parse(row) : row });
  }
  return rows;
}
