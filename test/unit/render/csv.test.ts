/** @module Unit: export renderers — Python's csv module and repr(float), NDJSON cells, blob links, the single-empty-field rule. */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { parse } from "csv-parse/sync";
import { createRowFormatter, csvField, pythonFloat, blobBytes, sha256Hex } from "../../../src/render/csv.js";

const QUERY_LINKS = { kind: "query" as const, base: "http://h/db/-/query.blob", query: "sql=select+1" };

describe("pythonFloat = Python repr(float)", () => {
  const cases: [number, string][] = [
    [3, "3.0"], [0, "0.0"], [-0, "-0.0"], [1.5, "1.5"], [-2.25, "-2.25"], [0.1, "0.1"], [1 / 3, "0.3333333333333333"],
    [1e20, "1e+20"], [1e16, "1e+16"], [9999999999999998, "9999999999999998.0"], [123456789012345.6, "123456789012345.6"],
    [1e15, "1000000000000000.0"], [0.0001, "0.0001"], [0.00001, "1e-05"], [1.5e-7, "1.5e-07"], [1.7976931348623157e308, "1.7976931348623157e+308"],
    [5e-324, "5e-324"], [-1e100, "-1e+100"], [Infinity, "inf"], [-Infinity, "-inf"], [NaN, "nan"], [2.5e-5, "2.5e-05"], [1e21, "1e+21"],
  ];
  for (const [n, want] of cases) test(`${want}`, () => assert.equal(pythonFloat(n), want));
});

describe("csvField: QUOTE_MINIMAL", () => {
  test("plain text is left alone, spaces included", () => {
    assert.equal(csvField("hello"), "hello");
    assert.equal(csvField("  padded  "), "  padded  ");
    assert.equal(csvField(""), "");
  });
  test("comma, quote, CR and LF force quotes; quotes are doubled", () => {
    assert.equal(csvField("a,b"), '"a,b"');
    assert.equal(csvField('say "hi"'), '"say ""hi"""');
    assert.equal(csvField("a\rb"), '"a\rb"');
    assert.equal(csvField("a\nb"), '"a\nb"');
    assert.equal(csvField("a\r\nb"), '"a\r\nb"');
  });
  test("formula-looking cells are not altered (Datasette does not neutralise them)", () => {
    assert.equal(csvField("=1+2"), "=1+2");
    assert.equal(csvField("@SUM(A1)"), "@SUM(A1)");
  });
});

describe("CSV rows", () => {
  test("types: NULL empty, BigInt integers exact, REAL as repr, strings as they are", () => {
    const f = createRowFormatter({ format: "csv", header: true, blobs: QUERY_LINKS }, ["a", "b", "c", "d"]);
    assert.equal(f.header, "a,b,c,d\r\n");
    assert.equal(f.row([null, 9223372036854775807n, 3, "x,y"]), '' + ',9223372036854775807,3.0,"x,y"\r\n');
  });

  test("a row of one empty field is written as \"\" (Python), header too", () => {
    const f = createRowFormatter({ format: "csv", header: true, blobs: QUERY_LINKS }, [""]);
    assert.equal(f.header, '""\r\n');
    assert.equal(f.row([null]), '""\r\n');
    assert.equal(f.row([""]), '""\r\n');
    assert.equal(f.row(["x"]), "x\r\n");
  });

  test("header off", () => {
    const f = createRowFormatter({ format: "csv", header: false, blobs: QUERY_LINKS }, ["a"]);
    assert.equal(f.header, "");
  });

  test("chosen columns and label columns; labels never become blob links", () => {
    const f = createRowFormatter(
      { format: "csv", header: true, columns: [{ source: "id", name: "id" }, { source: "fk", name: "fk" }, { source: "L", name: "fk_label", blob: false }], blobs: QUERY_LINKS },
      ["id", "fk", "extra", "L"],
    );
    assert.equal(f.header, "id,fk,fk_label\r\n");
    assert.equal(f.row([1n, 2n, "ignored", Buffer.from("x")]), "1,2,\r\n");
  });

  test("BLOB cells: row links use tilde-encoded keys; query links carry the sha256", () => {
    const rowLinks = createRowFormatter({ format: "csv", header: false, blobs: { kind: "row", base: "http://h/db/t/", keyColumns: ["a", "b"] } }, ["a", "b", "data col"]);
    assert.equal(rowLinks.row(["x/y", 2n, Buffer.from([1, 2])]), 'x/y,2,"http://h/db/t/x~2Fy,2.blob?_blob_column=data+col"\r\n');
    const q = createRowFormatter({ format: "csv", header: false, blobs: QUERY_LINKS }, ["d"]);
    const bytes = Buffer.from([0x15, 0x1c, 0x02, 0xc7, 0xad, 0x05, 0xfe]);
    assert.equal(q.row([bytes]), "http://h/db/-/query.blob?sql=select+1&_blob_column=d&_blob_hash=f3088978da8f9aea479ffc7f631370b968d2e855eeb172bea7f6c7a04262bb6d\r\n");
  });

  test("round trip through a real CSV parser: every awkward cell survives", () => {
    const cells = ["a,b", 'q"uote', "cr\rcr", "lf\nlf", "crlf\r\nx", "ünïcödé", "emoji 😀🎉", "nul\u0000byte", "  lead", "trail  ", "x".repeat(100000), "", "=cmd|' /C calc'!A0"];
    const f = createRowFormatter({ format: "csv", header: true, blobs: QUERY_LINKS }, cells.map((_, i) => `c${i}`));
    const text = f.header + f.row(cells) + f.row(cells.map(() => null));
    const parsed = parse(text, { relax_column_count: false }) as string[][];
    assert.deepEqual(parsed[0], cells.map((_, i) => `c${i}`));
    assert.deepEqual(parsed[1], cells);
    assert.deepEqual(parsed[2], cells.map(() => ""));
  });

  test("limit and error lines", () => {
    const f = createRowFormatter({ format: "csv", header: true, blobs: QUERY_LINKS }, ["a"]);
    assert.equal(f.limitLine(1048576), "CSV contains more than 1048576 bytes");
    assert.equal(f.errorLine("boom"), "boom");
  });
});

describe("NDJSON rows", () => {
  test("one object per line; 64-bit integers exact; blobs as $base64; infinities null unless asked", () => {
    const f = createRowFormatter({ format: "ndjson", infinity: false, jsonColumns: [] }, ["id", "big", "r", "b", "inf", "s"]);
    assert.equal(f.header, "");
    assert.equal(f.row([1n, 9223372036854775807n, 2.5, Buffer.from([1, 2, 3]), Infinity, 'a"b']), '{"id":1,"big":9223372036854775807,"r":2.5,"b":{"$base64":true,"encoded":"AQID"},"inf":null,"s":"a\\"b"}\n');
    const g = createRowFormatter({ format: "ndjson", infinity: true, jsonColumns: ["j"] }, ["inf", "j"]);
    assert.equal(g.row([-Infinity, '{"x": [1, 2]}']), '{"inf":-Infinity,"j":{"x":[1,2]}}\n');
  });

  test("a repeated column keeps its first position and its last value", () => {
    const f = createRowFormatter({ format: "ndjson", infinity: false, jsonColumns: [] }, ["a", "b", "a"]);
    assert.deepEqual(JSON.parse(f.row([1n, 2n, 3n])), { a: 3, b: 2 });
    assert.equal(f.row([1n, 2n, 3n]), '{"a":3,"b":2}\n');
  });

  test("every line parses", () => {
    const f = createRowFormatter({ format: "ndjson", infinity: false, jsonColumns: [] }, ["__proto__", "line\nbreak"]);
    const line = f.row(["x\u2028y", null]);
    assert.equal(line.split("\n").length, 2);
    const o = JSON.parse(line);
    assert.equal(Object.getOwnPropertyDescriptor(o, "__proto__")?.value, "x\u2028y");
  });
});

describe("blob bytes", () => {
  test("BLOBs as they are; other values as their CSV text", () => {
    assert.deepEqual(blobBytes(new Uint8Array([1, 2])), Buffer.from([1, 2]));
    assert.equal(blobBytes("héllo").toString("utf8"), "héllo");
    assert.equal(blobBytes(3).toString(), "3.0");
    assert.equal(blobBytes(7n).toString(), "7");
    assert.equal(blobBytes(null).length, 0);
    assert.equal(sha256Hex(Buffer.alloc(0)), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  });
});
