// harness.mjs - what the browser stories share (registry.mjs, words.mjs):
// the environment they need, assertions, steps printed as TAP-like lines,
// Debian's chromium launched headless, and the end of a run: every console
// error, page error and failed request collected in `problems` fails the
// last step. Run from tests/ so that playwright-core resolves from
// tests/node_modules.
import { chromium } from 'playwright-core';

export const STEP_TIMEOUT = 15000;
export const problems = []; // console errors, page errors, failed requests

const started = Date.now();
let passed = 0;

export class Failure extends Error {}

export function assert(cond, message) {
  if (!cond) throw new Failure(message);
}

export function eq(got, want, what) {
  assert(got === want, `${what}: expected ${JSON.stringify(want)}, got ${JSON.stringify(got)}`);
}

// The value of environment variable name, which script needs (exit 2 without it).
export function need(script, name) {
  const v = process.env[name];
  if (!v) {
    console.error(`${script}: ${name} must be set`);
    process.exit(2);
  }
  return v;
}

// Run one step; its line says ok or not ok and why. A failure ends the run.
export async function step(name, fn) {
  const t0 = Date.now();
  try {
    await fn();
  } catch (e) {
    const why = e instanceof Failure ? e.message : `${e.name}: ${e.message.split('\n')[0]}`;
    console.log(`not ok - ${name}\n#   ${why}`);
    throw e;
  }
  passed++;
  console.log(`ok - ${name} (${Date.now() - t0} ms)`);
}

export function launch() {
  return chromium.launch({
    executablePath: process.env.CN_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
  });
}

// The end of a run: error is what ended the steps (undefined when they all
// passed, then the last step checks `problems`). Closes the browser and exits.
export async function finish(browser, error) {
  if (error === undefined) {
    try {
      await step('no console errors, page errors or failed requests', async () => {
        assert(problems.length === 0, problems.join('\n#   '));
      });
    } catch (e) {
      error = e;
    }
  }
  if (error !== undefined) {
    if (!(error instanceof Failure) && process.env.CN_BROWSER_DEBUG) console.error(error);
    if (problems.length) console.log('#   console and network problems so far:\n#   ' + problems.join('\n#   '));
  }
  await browser.close();
  console.log(`# ${passed} browser steps passed in ${Date.now() - started} ms`);
  process.exit(error === undefined ? 0 : 1);
}
