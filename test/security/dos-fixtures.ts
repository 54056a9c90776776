/** @module Databases for the denial-of-service tests: a 1,000-row table and a 200,000-row one, built in one transaction each. */
import { join } from "node:path";
import { makeDatabase, tempDir } from "../fixtures/server.js";

/** A recursive CTE with no end: runs until interrupted. */
export const RUNAWAY_SQL = "with recursive c(x) as (select 1 union all select x + 1 from c) select count(*) from c";
/** 1,000 × 1,000 × 1,000 rows. */
export const CARTESIAN_SQL = "select count(*) from t a, t b, t c";

export function buildDosDatabase(dir = tempDir("almanac-dos-")): string {
  return makeDatabase(
    join(dir, "dos.db"),
    `
    create table t (id integer primary key, v text);
    with recursive n(i) as (select 1 union all select i + 1 from n where i < 1000) insert into t select i, 'row ' || i from n;
    create table big (id integer primary key, grp integer, note text);
    with recursive n(i) as (select 1 union all select i + 1 from n where i < 200000)
      insert into big select i, i % 97, case when i = 123457 then 'needle' else 'hay' end from n;
    `,
  );
}
