// The plugin built in docs/plugin-tutorial.md: a SQL function, a page of its own and a menu link.
export default {
  name: "cheapest",
  version: "1.0.0",

  // 1. A SQL function on every connection: percent(0.1161) → "+11.6%".
  prepare_connection({ conn }) {
    conn.function("percent", { deterministic: true }, (fraction) =>
      fraction === null ? null : `${fraction >= 0 ? "+" : ""}${(fraction * 100).toFixed(1)}%`,
    );
  },

  // 2. A page at /-/cheapest: the ten cheapest Big Macs of the latest survey.
  register_routes() {
    return [{ path: "/-/cheapest", handler: cheapestPage }];
  },

  // 3. A link to it in the header menu, for everyone who may see the table.
  menu_links({ almanac, actor }) {
    if (!almanac.permissions.allowed(actor, "view-table", { database: "bigmac", child: "bigmac" })) return null;
    return [{ href: almanac.path("/-/cheapest"), label: "Cheapest Big Macs" }];
  },
};

async function cheapestPage(request, almanac) {
  // Plugin routes check permissions themselves: this page shows the bigmac table's rows.
  if (!almanac.permissions.allowed(request.actor, "view-table", { database: "bigmac", child: "bigmac" })) {
    return { status: 403, headers: { "content-type": "text/plain" }, body: "Forbidden" };
  }
  const result = await almanac.databases.get("bigmac").execute(
    `select name, date, dollar_price, percent(USD_raw) as against_dollar
       from bigmac
      where date = (select max(date) from bigmac)
      order by dollar_price
      limit 10`,
  );
  const rows = result.rows.map((row) => Object.fromEntries(result.columns.map((column, i) => [column, row[i]])));
  return almanac.renderTemplate(request, "cheapest.html", { rows, date: rows[0]?.date });
}
