// Parses a GIFT file with gift-pegjs (the independent GIFT parser from npm) and prints its
// parse as JSON on stdout. Reads the file named by the first argument, or stdin without one.
// On a syntax error: prints the message and location on stderr and exits with status 1.
//
// Used by assessments/tests/test_gift_pegjs.py to check that the platform's GIFT export is
// readable by a parser nobody on this project wrote.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { parse } = require("gift-pegjs");

const source = readFileSync(process.argv[2] ?? 0, "utf8");
try {
  process.stdout.write(JSON.stringify(parse(source)));
  process.stdout.write("\n");
} catch (error) {
  const where = error.location ? ` (line ${error.location.start.line}, column ${error.location.start.column})` : "";
  process.stderr.write(`${error.name ?? "Error"}: ${error.message}${where}\n`);
  process.exit(1);
}
