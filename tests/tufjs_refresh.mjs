// tufjs_refresh.mjs - fetch one target from a citynode with tuf-js, an
// independent TUF 1.0 client, and print its bytes.
//
//   node tests/tufjs_refresh.mjs BASE_URL ROOT_FILE WORK_DIR TARGET_PATH
//
// The client trusts ROOT_FILE (copied to WORK_DIR/metadata/root.json unless a
// previous run left trusted metadata there), refreshes from BASE_URL/tuf
// (root chain, timestamp, snapshot, targets), looks up TARGET_PATH in the
// signed targets metadata and downloads it from BASE_URL/targets, where tuf-js
// checks its length and hashes. The target's bytes go to stdout, unchanged.
// Any refusal prints "tuf-js: <reason>" on stderr and exits 1.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

// tuf-js is installed in tests/node_modules (`cd tests && npm ci`).
const require = createRequire(import.meta.url);
const { Updater } = require('tuf-js');

async function main() {
  const [baseUrl, rootFile, workDir, targetPath] = process.argv.slice(2);
  if (!targetPath) {
    throw new Error('usage: tufjs_refresh.mjs BASE_URL ROOT_FILE WORK_DIR TARGET_PATH');
  }
  const metadataDir = path.join(workDir, 'metadata');
  const targetDir = path.join(workDir, 'targets');
  fs.mkdirSync(metadataDir, { recursive: true });
  fs.mkdirSync(targetDir, { recursive: true });
  const trusted = path.join(metadataDir, 'root.json');
  if (!fs.existsSync(trusted)) {
    fs.copyFileSync(rootFile, trusted);
  }
  const updater = new Updater({
    metadataDir,
    metadataBaseUrl: `${baseUrl}/tuf`,
    targetDir,
    targetBaseUrl: `${baseUrl}/targets`,
  });
  await updater.refresh();
  const info = await updater.getTargetInfo(targetPath);
  if (!info) {
    throw new Error(`${targetPath}: not in the signed targets metadata`);
  }
  // A fresh file each run: tuf-js would otherwise trust a cached copy.
  const out = path.join(targetDir, targetPath.replaceAll('/', '_'));
  fs.rmSync(out, { force: true });
  await updater.downloadTarget(info, out);
  process.stdout.write(fs.readFileSync(out));
}

main().catch((err) => {
  console.error(`tuf-js: ${err.message}`);
  process.exit(1);
});
