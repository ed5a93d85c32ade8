// registry.mjs - the registry's web page (node/web/) in Debian's chromium,
// headless, driven by playwright-core, against a running `citynode serve`.
// tests/integration/t0950-browser.sh sets up the nodes and runs this with:
//   CN_WEB_URL        base URL of the lighthouse's serve (http://127.0.0.1:PORT)
//   CN_LIGHTHOUSE_ID  the lighthouse's node id (it publishes the samples)
//   CN_FOLLOWER_ID    the follower's node id (it replicated connected-urban-twins)
//   CN_ARTIFACTS_DIR  where the screenshots go (the item page, and each page type)
//   CN_NETWORK_URL    serve of a node that published nothing of its own
//   CN_EXPECTED_CSV, CN_EXPECTED_LOGO  files as `git show TAG:path` gives them
// The steps of pages.mjs (files, pictures, gzip, axe-core) run in the same
// browser after these.
// Every step asserts; the first failure prints what was expected and exits 1.
// Run from tests/ so that playwright-core resolves from tests/node_modules.
import { STEP_TIMEOUT, problems, assert, eq, need, step, launch, finish } from './harness.mjs';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pageSteps } from './pages.mjs';

const BASE = need('registry.mjs', 'CN_WEB_URL').replace(/\/$/, '');
const LID = need('registry.mjs', 'CN_LIGHTHOUSE_ID');
const FID = need('registry.mjs', 'CN_FOLLOWER_ID');
const ART = need('registry.mjs', 'CN_ARTIFACTS_DIR');
const TWIN = 'connected-urban-twins';
// The SWHIDs of TWIN's newest version, as git rev-parse gives them: {rel, rev, dir}.
const SWHIDS = JSON.parse(need('registry.mjs', 'CN_TWIN_SWHIDS'));

const browser = await launch();
let error;
try {
  const context = await browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(STEP_TIMEOUT);
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => {
    // a search superseded by the next keystroke is aborted on purpose
    if (!(r.failure()?.errorText || '').includes('ERR_ABORTED')) problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`);
  });
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
  });

  const url = () => new URL(page.url());
  const param = (k) => url().searchParams.get(k);

  // Wait until the search page shows the answer for exactly these API parameters.
  async function searchSettled(check) {
    await page.waitForFunction(
      (want) => {
        const v = document.querySelector('[data-testid="search-page"]');
        if (!v || v.getAttribute('data-state') !== 'ready') return false;
        const got = new URLSearchParams(v.getAttribute('data-query') || '');
        return Object.entries(want).every(([k, val]) => (val === null ? !got.has(k) : got.getAll(k).join('|') === val));
      },
      check,
      { timeout: STEP_TIMEOUT },
    );
  }
  const hits = () =>
    page.$$eval('[data-testid="result"]', (els) =>
      els.map((e) => ({ node: e.dataset.node, item: e.dataset.item, kind: e.dataset.kind, title: e.querySelector('h3').textContent })),
    );
  async function typeQuery(text) {
    const box = page.getByTestId('search-input');
    await box.fill('');
    // typed key by key like a person, no Enter: results must come by themselves
    await box.pressSequentially(text, { delay: 25 });
  }

  await step('the page loads at / with every published item listed', async () => {
    const res = await page.goto(BASE + '/');
    eq(res.status(), 200, 'status of /');
    await page.getByTestId('search-page').waitFor();
    await searchSettled({ q: null });
    const h = await hits();
    const items = new Set(h.map((x) => x.item));
    for (const want of [TWIN, 'zukunftsforum-zukunftslabor', 'leipzig-west-beteiligung-2016', 'leipzig-triangulum', 'msc2020-guetersloh'])
      assert(items.has(want), `the start page lists ${want}; it lists ${[...items].join(', ')}`);
    const status = await page.getByTestId('result-count').textContent();
    assert(/5 items found/.test(status), `the result count says 5 items; it says "${status}"`);
    eq(await page.getAttribute('html', 'lang'), 'en', 'page language for an en-US browser');
    for (const f of ['kind', 'city', 'country', 'license', 'status'])
      assert(await page.getByTestId('facet-' + f).isVisible(), `the ${f} facet is shown`);
    const keeper = page.getByTestId('keeper');
    await keeper.waitFor();
    eq(await keeper.textContent(), 'This registry is kept by Gemeente Eindhoven (sample).', 'the footer names the node');
    eq(await keeper.getAttribute('href'), `/?node=${LID}`, 'the footer links the node');
  });

  await step('typing shows results instantly and puts the query in the URL', async () => {
    await typeQuery('Urban Tw');
    await searchSettled({ q: 'Urban Tw' });
    const h = await hits();
    assert(h.length >= 1, 'hits for "Urban Tw"');
    eq(h[0].item, TWIN, 'the best hit for "Urban Tw"');
    eq(h[0].node, LID, 'its node');
    eq(param('q'), 'Urban Tw', 'q in the URL');
  });

  await step('a German word typed without its umlaut finds it ("Mobilitat", "Gutersloh")', async () => {
    await typeQuery('Mobilitat');
    await searchSettled({ q: 'Mobilitat' });
    let items = (await hits()).map((x) => x.item);
    assert(items.includes('zukunftsforum-zukunftslabor'), `"Mobilitat" finds the solution about "Mobilität"; hits: ${items.join(', ')}`);
    await typeQuery('Gutersloh');
    await searchSettled({ q: 'Gutersloh' });
    const h = await hits();
    items = h.map((x) => x.item);
    assert(items.includes('msc2020-guetersloh'), `"Gutersloh" finds the strategy of Gütersloh; hits: ${items.join(', ')}`);
    const t = h.find((x) => x.item === 'msc2020-guetersloh').title;
    assert(t.includes('Gütersloh'), `its title is shown with the umlaut: "${t}"`);
    eq(param('q'), 'Gutersloh', 'q in the URL');
  });

  await step('text that looks like HTML is shown as text', async () => {
    await typeQuery('<img src=x>');
    await searchSettled({ q: '<img src=x>' });
    const status = await page.getByTestId('result-count').textContent();
    assert(status.includes('<img src=x>'), `the status repeats the query as text: "${status}"`);
    eq(await page.locator('main img').count(), 0, 'img elements in the page after searching for <img>');
  });

  // The feed the page links with <link rel="alternate" type="application/atom+xml">,
  // fetched: its path, and its number of entries.
  async function feedLink() {
    const href = await page.$eval('link[rel="alternate"][type="application/atom+xml"]', (l) => l.getAttribute('href'));
    const res = await page.request.get(new URL(href, BASE).href);
    eq(res.status(), 200, `status of the feed ${href}`);
    eq(res.headers()['content-type'], 'application/atom+xml; charset=utf-8', `type of the feed ${href}`);
    return { href, entries: ((await res.text()).match(/<entry>/g) || []).length };
  }

  await step('clicking a facet filters the results and the URL; clicking again removes it', async () => {
    await typeQuery('Leipzig');
    await searchSettled({ q: 'Leipzig' });
    const before = await hits();
    assert(new Set(before.map((x) => x.kind)).size > 1, `"Leipzig" finds more than one kind: ${JSON.stringify(before)}`);
    const option = page.locator('[data-testid="facet-option"][data-facet="kind"][data-value="strategy"]');
    const count = Number(await option.getByTestId('facet-count').textContent());
    await option.click();
    await searchSettled({ q: 'Leipzig', kind: 'strategy' });
    const after = await hits();
    assert(after.length > 0 && after.every((x) => x.kind === 'strategy'), `only strategies after the kind facet: ${JSON.stringify(after)}`);
    eq(after.length, count, 'hits after the facet (its count said)');
    eq(param('kind'), 'strategy', 'kind in the URL');
    eq(await option.getAttribute('aria-pressed'), 'true', 'the facet value is marked pressed');
    const chip = page.locator('[data-testid="active-filter"][data-facet="kind"]');
    eq(await chip.count(), 1, 'active filters shown');
    const feed = await feedLink();
    eq(feed.href, '/api/v1/search.atom?q=Leipzig&kind=strategy', 'the page links the feed of its search');
    eq(feed.entries, count, 'entries of the search feed');
    // off again, with the keyboard
    await page.locator('[data-testid="facet-option"][data-facet="kind"][data-value="strategy"]').focus();
    await page.keyboard.press('Enter');
    await searchSettled({ q: 'Leipzig', kind: null });
    eq(param('kind'), null, 'kind in the URL after removing the filter');
    eq((await hits()).length, before.length, 'hits after removing the filter');
    eq(await page.locator('[data-testid="active-filter"]').count(), 0, 'active filters after removing it');
  });

  await step('back restores the filtered search from the URL', async () => {
    await page.goBack();
    await searchSettled({ q: 'Leipzig', kind: 'strategy' });
    eq(param('kind'), 'strategy', 'kind in the URL after back');
    assert((await hits()).every((x) => x.kind === 'strategy'), 'only strategies after back');
    await page.goForward();
    await searchSettled({ q: 'Leipzig', kind: null });
  });

  let itemUrl;
  await step('opening an item shows its versions, signer and when it was verified', async () => {
    await typeQuery('Urban Twins');
    await searchSettled({ q: 'Urban Twins' });
    await page.locator(`[data-testid="result"][data-item="${TWIN}"] [data-testid="result-link"]`).click();
    await page.getByTestId('item-page').waitFor();
    itemUrl = page.url();
    eq(param('item'), `${LID}/${TWIN}`, 'item in the URL');
    eq(await page.getByTestId('item-title').textContent(), 'Connected Urban Twins', 'item title');
    const versions = await page.$$eval('[data-testid="version-row"]', (rows) => rows.map((r) => r.dataset.version));
    eq(versions.join(' '), '1.1.0 1.0.0', 'versions, newest first');
    eq(JSON.stringify(await feedLink()), JSON.stringify({ href: `/api/v1/items/${LID}/${TWIN}/versions.atom`, entries: 2 }),
      'the page links the feed of the item\'s versions');
    const sig = page.getByTestId('signature-status');
    eq(await sig.getAttribute('data-status'), 'verified', 'signature status');
    const text = (await sig.textContent()).replace(/\s+/g, ' ');
    assert(text.includes('Signed by Gemeente Eindhoven (sample)'), `the signature line names the signer: "${text}"`);
    assert(/verified on/.test(text), `the signature line says when it was verified: "${text}"`);
    const key = await page.getByTestId('signer-key').first().getAttribute('title');
    assert(/^[0-9a-f]{16,}$/.test(key || ''), `a signing key id is shown: ${key}`);
    const when = await page.getByTestId('verified-at').getAttribute('datetime');
    const age = Date.now() - Date.parse(when);
    assert(age >= -120000 && age < 3600000, `the verification time is recent: ${when}`);
    const about = await page.getByTestId('manifest').textContent();
    assert(about.includes('European Union Public Licence 1.2') && about.includes('Hamburg, Leipzig'), `the manifest is rendered for people (licence in words, description): "${about}"`);
    eq(await page.locator('[data-testid="raw-json"]').getAttribute('open'), null, 'the raw JSON is collapsed');
  });

  await step('the item page offers downloads and the git clone command', async () => {
    const clone = await page.getByTestId('git-clone').textContent();
    eq(clone, `git clone ${BASE}/git/${LID}/${TWIN}.git`, 'git clone command');
    assert(await page.getByTestId('copy-button').isVisible(), 'a copy button');
    for (const [id, want] of [
      ['download-manifest', '"Connected Urban Twins"'],
      ['download-publiccode', 'Connected Urban Twins'],
      ['download-codemeta', '"https://w3id.org/codemeta/3.0"'],
    ]) {
      const href = await page.getByTestId(id).getAttribute('href');
      const res = await page.request.get(new URL(href, BASE).href);
      eq(res.status(), 200, `status of ${href}`);
      assert((await res.text()).includes(want), `${href} has ${want}`);
    }
    const bundle = await page.getByTestId('download-bundle').getAttribute('href');
    eq(bundle, `/download/${LID}/${TWIN}/1.1.0/full.bundle`, 'bundle link');
    const res = await page.request.head(BASE + bundle);
    eq(res.status(), 200, `status of ${bundle}`);
    const zip = await page.getByTestId('download-zip').getAttribute('href');
    eq(zip, `/download/${LID}/${TWIN}/1.1.0/files.zip`, 'zip link, the first download offered');
    const z = await page.request.get(BASE + zip);
    eq(z.status(), 200, `status of ${zip}`);
    eq(z.headers()['content-type'], 'application/zip', 'content type of the zip');
    const bytes = await z.body();
    eq(bytes.subarray(0, 4).toString('hex'), '504b0304', 'the zip starts with a local file header');
    assert(bytes.includes(Buffer.from('publiccode.yml')), 'the zip holds publiccode.yml');
  });

  await step('a screenshot of the item page is saved', async () => {
    mkdirSync(ART, { recursive: true });
    const path = join(ART, 't0950-item-page.png');
    await page.screenshot({ path, fullPage: true });
    console.log(`# screenshot: ${path}`);
  });

  await step("the replication graph links to the follower that replicated it", async () => {
    const edge = page.locator(`[data-testid="graph-edge"][data-type="replicates"][data-from="${LID}/${TWIN}"]`);
    assert((await edge.count()) >= 1, 'a replicates edge from the item');
    const link = edge.first().locator('[data-testid="graph-link"][data-role="to"]');
    const text = await link.textContent();
    assert(text.includes('Stadt Leipzig (sample)'), `the edge names the follower: "${text}"`);
    const edgeText = await edge.first().textContent();
    assert(!(await edge.first().getAttribute('class') || '').includes('is-withdrawn'),
      `the replication is not marked withdrawn: "${edgeText}"`);
    assert(edgeText.includes('1.1.0'), `the edge names the version replicated: "${edgeText}"`);
    await link.click();
    await page.getByTestId('node-page').waitFor();
    eq(param('node'), FID, 'node in the URL');
    eq(await page.getByTestId('node-name').textContent(), 'Stadt Leipzig (sample)', 'the follower node page');
    eq(await page.getByTestId('node-id').textContent(), FID, 'its node id');
    const rep = page.locator(`[data-testid="replicated-entry"][data-item="${LID}/${TWIN}"]`);
    eq(await rep.count(), 1, 'the follower page lists what it replicated');
    const repText = (await rep.textContent()).replace(/\s+/g, ' ');
    assert(repText.includes('Connected Urban Twins') && repText.includes('version 1.1.0 of Gemeente Eindhoven (sample)'),
      `the replication names the original, its version and city: "${repText}"`);
    eq(await rep.locator('[data-testid="replicated-link"]').getAttribute('href'),
      `/?item=${LID}%2F${TWIN}&version=1.1.0`, 'the replication links the original version');
  });

  await step('back returns to the item page, and again to the search', async () => {
    await page.goBack();
    await page.getByTestId('item-page').waitFor();
    eq(page.url(), itemUrl, 'URL after back');
    eq(await page.getByTestId('item-title').textContent(), 'Connected Urban Twins', 'item title after back');
    await page.goBack();
    await searchSettled({ q: 'Urban Twins' });
    eq(await page.getByTestId('search-input').inputValue(), 'Urban Twins', 'search box after back');
    await page.goForward();
    await page.getByTestId('item-page').waitFor();
  });

  await step('an older version can be opened from the versions table', async () => {
    await page.locator('[data-testid="version-row"][data-version="1.0.0"] [data-testid="version-link"]').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="item-page"]')?.dataset.version === '1.0.0');
    eq(param('version'), '1.0.0', 'version in the URL');
    assert(await page.getByTestId('older-version').isVisible(), 'a note says a newer version exists');
    const withdrawn = (await page.getByTestId('version-withdrawn').textContent()).replace(/\s+/g, ' ');
    assert(/^Version 1\.0\.0 was withdrawn on .+\. Reason: Superseded by 1\.1\.0$/.test(withdrawn),
      `a note says the version was withdrawn, when and why: "${withdrawn}"`);
    const row = page.locator('[data-testid="version-row"][data-version="1.0.0"]');
    assert((await row.textContent()).includes('Withdrawn'), 'the versions table marks 1.0.0 withdrawn');
    eq(
      await page.getByTestId('download-bundle').getAttribute('href'),
      `/download/${LID}/${TWIN}/1.0.0/full.bundle`,
      'bundle link of 1.0.0',
    );
  });

  await step('the labels switch to German', async () => {
    await page.getByTestId('lang-switch').click();
    await page.waitForFunction(() => document.documentElement.lang === 'de');
    await page.getByTestId('item-page').waitFor();
    const sig = (await page.getByTestId('signature-status').textContent()).replace(/\s+/g, ' ');
    assert(sig.includes('Signiert von Gemeente Eindhoven (sample)'), `German signature line: "${sig}"`);
    eq(await page.getByTestId('nav-search').textContent(), 'Suche', 'German navigation');
    await page.getByTestId('lang-switch').click();
    await page.waitForFunction(() => document.documentElement.lang === 'en');
  });

  await step('the directory of nodes lists both cities', async () => {
    await page.getByTestId('nav-nodes').click();
    await page.getByTestId('nodes-page').waitFor();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="node-entry"]').length >= 2);
    const nodes = await page.$$eval('[data-testid="node-entry"]', (els) => els.map((e) => e.dataset.node));
    assert(nodes.includes(LID) && nodes.includes(FID), `both nodes listed: ${nodes.join(', ')}`);
    eq(param('view'), 'nodes', 'view in the URL');
    await page.locator(`[data-testid="node-entry"][data-node="${LID}"] [data-testid="node-link"]`).click();
    await page.getByTestId('node-page').waitFor();
    const own = await page.$$eval('[data-testid="node-items"] [data-testid="result"]', (els) => els.map((e) => e.dataset.item));
    eq(own.length, 5, `items on the lighthouse's node page (${own.join(', ')})`);
    eq((await feedLink()).href, `/api/v1/nodes/${LID}/versions.atom`, 'the page links the feed of the node');
  });

  await step('a shared link opens the same state in a fresh page', async () => {
    const fresh = await context.newPage();
    await fresh.goto(`${BASE}/?q=Leipzig&kind=strategy`);
    await fresh.waitForFunction(() => document.querySelector('[data-testid="search-page"]')?.getAttribute('data-state') === 'ready');
    eq(await fresh.getByTestId('search-input').inputValue(), 'Leipzig', 'search box from the URL');
    const kinds = await fresh.$$eval('[data-testid="result"]', (els) => els.map((e) => e.dataset.kind));
    assert(kinds.length > 0 && kinds.every((k) => k === 'strategy'), `filtered results from the URL: ${kinds}`);
    await fresh.close();
  });

  await step("an item's URL carries its JSON-LD and SWHIDs; the page shows the SWHIDs", async () => {
    const fresh = await context.newPage();
    await fresh.goto(`${BASE}/?item=${LID}/${TWIN}`);
    await fresh.getByTestId('item-page').waitFor();
    const ld = JSON.parse(await fresh.evaluate(() => document.getElementById('item-jsonld')?.textContent || 'null'));
    assert(ld && ld['@type'] === 'SoftwareSourceCode' && ld.name === 'Connected Urban Twins', `the JSON-LD describes the item: ${JSON.stringify(ld)}`);
    eq(ld.version, '1.1.0', 'the JSON-LD describes the newest version');
    const ids = (ld.identifier || []).map((i) => i.value);
    for (const k of ['rel', 'rev', 'dir']) {
      eq(await fresh.getByTestId(`swhid-${k}`).textContent(), SWHIDS[k], `the page's swh:1:${k} SWHID`);
      assert(ids.includes(SWHIDS[k]), `the JSON-LD names ${SWHIDS[k]}: ${ids}`);
    }
    eq(
      await fresh.getByTestId('swhid-rel').locator('xpath=..').getAttribute('href'),
      `https://archive.softwareheritage.org/${SWHIDS.rel}`,
      'the SWHID links to the archive',
    );
    await fresh.getByTestId('nav-search').click();
    await fresh.waitForFunction(() => document.querySelector('[data-testid="search-page"]')?.getAttribute('data-state') === 'ready');
    eq(await fresh.evaluate(() => document.getElementById('item-jsonld')), null, 'another view drops the JSON-LD');
    await fresh.close();
  });

  await step('at a phone width nothing is wider than the screen', async () => {
    await page.setViewportSize({ width: 360, height: 740 });
    for (const path of [`/?item=${LID}/${TWIN}`, '/?q=Leipzig', `/?node=${FID}`]) {
      await page.goto(BASE + path);
      await page.locator('[data-testid="item-page"], [data-testid="search-page"][data-state="ready"], [data-testid="node-page"]').first().waitFor();
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      assert(width <= 360, `page ${path} is ${width}px wide at a 360px screen`);
    }
  });

  await pageSteps({ browser, context, page, step, assert, eq, BASE, LID, FID, ART, problems });
} catch (e) {
  error = e;
}
await finish(browser, error);
