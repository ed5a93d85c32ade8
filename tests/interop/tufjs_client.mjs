// tufjs_client.mjs - refresh from a citynode TUF repository with tuf-js (an
// independent TUF client) and download one target.
//
//   node tufjs_client.mjs BASE_URL ROOT_FILE WORK_DIR TARGET_PATH [EXPECTED_FILE | -]
//
// BASE_URL serves tuf/ and targets/. ROOT_FILE is the trusted root, copied to
// WORK_DIR/metadata/root.json unless that exists (so a second run starts from
// the state the first one persisted). Prints one JSON line describing the
// target; exits 1 with the error message on any failure, including a
// downloaded target that differs from EXPECTED_FILE. With "-" instead of
// EXPECTED_FILE, the target's bytes go to stdout unchanged instead.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

// tuf-js lives in tests/node_modules; resolve it from there whatever the cwd.
const require = createRequire(new URL('../package.json', import.meta.url));
const { Updater } = require('tuf-js');

async function main() {
  const [baseUrl, rootFile, workDir, targetPath, expectedFile] = process.argv.slice(2);
  if (!targetPath) {
    throw new Error('usage: tufjs_client.mjs BASE_URL ROOT_FILE WORK_DIR TARGET_PATH [EXPECTED_FILE]');
  }
  const metadataDir = path.join(workDir, 'metadata');
  const targetDir = path.join(workDir, 'targets');
  fs.mkdirSync(metadataDir, { recursive: true });
  fs.mkdirSync(targetDir, { recursive: true });
  if (!fs.existsSync(path.join(metadataDir, 'root.json'))) {
    fs.copyFileSync(rootFile, path.join(metadataDir, 'root.json'));
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
    throw new Error(`target ${targetPath} not found in signed metadata`);
  }
  const out = path.join(targetDir, targetPath.replaceAll('/', '_'));
  fs.rmSync(out, { force: true });
  await updater.downloadTarget(info, out);
  const got = fs.readFileSync(out);
  if (expectedFile === '-') {
    process.stdout.write(got);
    return;
  }
  if (expectedFile && !got.equals(fs.readFileSync(expectedFile))) {
    throw new Error(`downloaded ${targetPath} differs from ${expectedFile}`);
  }
  const root = JSON.parse(fs.readFileSync(path.join(metadataDir, 'root.json')));
  console.log(JSON.stringify({
    path: info.path,
    length: info.length,
    sha256: info.hashes.sha256,
    custom: info.custom,
    rootVersion: root.signed.version,
  }));
}

main().catch((err) => {
  console.error(`tuf-js: ${err.message}`);
  process.exit(1);
});
