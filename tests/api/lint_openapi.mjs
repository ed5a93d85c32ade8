// lint_openapi.mjs - docs/api.yaml as two independent OpenAPI tools read it.
//
//     node lint_openapi.mjs API_YAML
//     node lint_openapi.mjs --self-test API_YAML
//
// Redocly's linter with its `recommended` ruleset (the errors and warnings
// its `redocly lint --extends=recommended` prints) and swagger-parser's
// validate (the OpenAPI 3.0 schema and its own semantic checks) must both
// find nothing. The one warning accepted is listed in ACCEPTED with the
// reason; any other problem, error or warning, fails. Exits 0 or 1, one line
// per problem.
//
// --self-test lints copies of API_YAML broken the ways the document once
// was (an unquoted description in a flow mapping that YAML reads as extra
// keys, no `security`, a path with a trailing slash) and fails unless each
// copy is refused, so the check above can fail.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import SwaggerParser from "@apidevtools/swagger-parser";

// Rule id -> why the warning stands.
const ACCEPTED = {
  "info-license": "citynode has not chosen a licence yet; the document will name it when it has",
};

const require = createRequire(import.meta.url);
const redocly = join(dirname(require.resolve("@redocly/cli/package.json")), "bin", "cli.js");

// Redocly's findings on file: [{rule, severity, where, message}].
function redoclyProblems(file) {
  const run = spawnSync(process.execPath, [redocly, "lint", "--extends=recommended", "--format=json", file], {
    encoding: "utf8",
    env: { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true" },
  });
  let report;
  try {
    report = JSON.parse(run.stdout);
  } catch {
    return [{ rule: "redocly", severity: "error", where: file, message: `no JSON report (exit ${run.status}): ${run.stderr.trim()}` }];
  }
  return report.problems.map((p) => ({
    rule: p.ruleId,
    severity: p.severity,
    where: p.location?.[0] ? `${p.location[0].pointer} (line ${p.location[0].start?.line})` : file,
    message: p.message,
  }));
}

// swagger-parser's findings on file: [] or one message (it stops at the first).
async function swaggerProblems(file) {
  try {
    await SwaggerParser.validate(file);
    return [];
  } catch (e) {
    return [{ rule: "swagger-parser", severity: "error", where: file, message: e.message.split("\n").slice(0, 6).join(" | ") }];
  }
}

// The problems of file that are not accepted, printed; their count.
async function lint(file, quiet) {
  const problems = [...redoclyProblems(file), ...(await swaggerProblems(file))].filter(
    (p) => !(p.severity === "warn" && ACCEPTED[p.rule]),
  );
  if (!quiet)
    for (const p of problems) console.error(`${p.where}: ${p.severity} [${p.rule}] ${p.message}`);
  return problems;
}

// Copies of the document, each broken one way, that must be refused; and by which tool.
function brokenCopies(text) {
  const copies = [
    ["a description with a comma in a flow mapping, unquoted", "struct",
     text.replace(/description: "The original's node, when the registry knows it."/,
                  "description: The original's node, when the registry knows it.")],
    ["no security declared", "security-defined", text.replace(/^security: \[\]\n/m, "")],
    ["a path with a trailing slash", "no-path-trailing-slash", text.replace(/^  \/api\/v1:$/m, "  /api/v1/:")],
    ["a schema property of no type swagger-parser knows", "swagger-parser",
     text.replace(/^(    Error:\n      type: object\n)/m, "$1      additionalProperties: 7\n")],
  ];
  for (const [what, , copy] of copies)
    if (copy === text) throw new Error(`self-test: cannot break the document (${what}): has it changed?`);
  return copies;
}

async function selfTest(file) {
  const dir = mkdtempSync(join(tmpdir(), "lint-openapi-"));
  let failed = 0;
  try {
    for (const [what, rule, copy] of brokenCopies(readFileSync(file, "utf8"))) {
      const path = join(dir, "api.yaml");
      writeFileSync(path, copy);
      const found = await lint(path, true);
      const ok = found.some((p) => p.rule === rule && p.severity === "error");
      console.log(`${ok ? "ok" : "not ok"} - refused: ${what} (${rule})`);
      failed += ok ? 0 : 1;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return failed;
}

const args = process.argv.slice(2);
if (args[0] === "--self-test" && args.length === 2) {
  process.exit((await selfTest(args[1])) ? 1 : 0);
} else if (args.length === 1) {
  const problems = await lint(args[0], false);
  console.log(`${args[0]}: ${problems.length} problem(s) under Redocly's recommended rules and swagger-parser`);
  process.exit(problems.length ? 1 : 0);
} else {
  console.error("usage: node lint_openapi.mjs [--self-test] API_YAML");
  process.exit(2);
}
