// words.mjs - the registry's German item pages say coded values in words
// (node/web/vocab.js), in Debian's chromium, headless, driven by
// playwright-core, against a running `citynode serve`.
// tests/integration/t0951-browser-words.sh publishes the items and runs this with:
//   CN_WEB_URL   base URL of the node's serve (http://127.0.0.1:PORT)
//   CN_NODE_ID   the node's id (AGS code 14713000, name "Stadt Leipzig (sample)")
// Every step asserts; the first failure prints what was expected and exits 1.
// Run from tests/ so that playwright-core resolves from tests/node_modules.
import { STEP_TIMEOUT, problems, assert, eq, need, step, launch, finish } from './harness.mjs';

const BASE = need('words.mjs', 'CN_WEB_URL').replace(/\/$/, '');
const NID = need('words.mjs', 'CN_NODE_ID');
const UNKNOWN = 'no-such-item'; // the strategy links it; the registry does not have it

// The codes the manifests carry, each as a pattern of its raw form on a page.
const CODES = {
  configurationFiles: /configurationFiles/,
  other: /\bother\b/,
  none: /\bnone\b/,
  never: /\bnever\b/,
  en: /\ben\b/,
  'EUPL-1.2': /EUPL-1\.2/,
  'licence IRI': /dcat-ap\.de|dl-by-de/,
  'AGS code': /14713000/,
  GOVE: /\bGOVE\b/,
  'local-authorities': /local-authorities/,
  collaboration: /\bcollaboration\b/,
  follower: /\bfollower\b/,
  implementation: /\bimplementation\b/,
  'in-progress': /in-progress/,
  'linked slugs': /words-solution|words-dataset/,
};


const browser = await launch();
let error;
try {
  const context = await browser.newContext({ locale: 'de-DE', viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(STEP_TIMEOUT);
  page.on('console', (m) => {
    // the strategy's link to an item the registry does not have is looked up (404) on purpose
    if (m.type() === 'error' && /404/.test(m.text()) && (m.location().url || '').includes(UNKNOWN)) return;
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('response', (r) => {
    if (r.status() >= 400 && !r.url().includes(`/${UNKNOWN}`)) problems.push(`HTTP ${r.status()}: ${r.url()}`);
  });

  // Open an item's page and give its visible text outside the technical
  // details (closed <details> is not rendered, so innerText leaves it out).
  async function itemText(item) {
    await page.goto(`${BASE}/?item=${NID}/${item}`);
    await page.getByTestId('item-page').waitFor();
    // the linked items' titles come after the page; wait until none is loading
    await page.waitForFunction(() => ![...document.querySelectorAll('[data-testid="linked-item"]')].some((a) => /…$/.test(a.textContent)));
    eq(await page.getAttribute('html', 'lang'), 'de', 'page language for a de-DE browser');
    return page.evaluate(() => {
      for (const d of document.querySelectorAll('[data-testid="item-page"] details')) d.open = false;
      return document.querySelector('[data-testid="item-page"]').innerText;
    });
  }
  // The manifest section shows words as the whole value of one of its facts.
  // (waits a moment: after the language switch the page is drawn anew)
  async function shows(words) {
    const facts = () => page.$$eval('[data-testid="manifest"] dd', (els) => els.map((e) => e.innerText.trim()));
    const found = await page
      .waitForFunction((w) => [...document.querySelectorAll('[data-testid="manifest"] dd')].some((e) => e.innerText.trim() === w), words, { timeout: 5000 })
      .then(() => true, () => false);
    assert(found, `a fact of the manifest reads "${words}"; they read ${JSON.stringify(await facts())}`);
  }
  function noCodes(text, which) {
    for (const c of which) {
      const m = CODES[c].exec(text);
      assert(!m, `the raw code ${c} is visible outside the technical details: "…${text.slice(Math.max(0, m?.index - 60), m?.index + 60)}…"`);
    }
  }

  await step('the solution page words its licence, type, platform, maintenance, language and categories', async () => {
    const text = await itemText('words-solution');
    noCodes(text, ['configurationFiles', 'other', 'none', 'en', 'EUPL-1.2', 'local-authorities', 'collaboration']);
    await shows('Konfigurationsdateien und Vorlagen zum Anpassen');
    await shows('Sonstige');
    await shows('Nicht gepflegt');
    await shows('Englisch');
    await shows('European Union Public Licence 1.2');
    await shows('Zusammenarbeit');
    await shows('Kommunalverwaltung');
    // the licence's official name is English: its lang says so on a German page
    const langs = await page.$$eval('[data-testid="manifest"] span[lang]', (els) => els.map((e) => [e.lang, e.textContent]));
    assert(langs.some(([l, s]) => l === 'en' && s === 'European Union Public Licence 1.2'), `the licence name has lang="en": ${JSON.stringify(langs)}`);
    // and the code is still there in the technical details
    await page.locator('[data-testid="raw-json"] summary').click();
    assert((await page.getByTestId('raw-json').innerText()).includes('"configurationFiles"'), 'the raw JSON keeps the code');
  });

  await step('the dataset page words its licence, area, update frequency, language, theme and format', async () => {
    const text = await itemText('words-dataset');
    noCodes(text, ['never', 'en', 'licence IRI', 'AGS code', 'GOVE']);
    await shows('Datenlizenz Deutschland Namensnennung 2.0');
    await shows('Stadt Leipzig (sample)');
    await shows('Nie (wird nicht aktualisiert)');
    await shows('Englisch');
    await shows('Regierung und öffentlicher Sektor');
    assert(text.includes('CSV (Tabelle, kommagetrennt)'), 'the distribution\'s format in words');
    eq(
      await page.locator('[data-testid="manifest"] a', { hasText: 'Datenlizenz Deutschland' }).getAttribute('href'),
      'http://dcat-ap.de/def/licenses/dl-by-de/2.0',
      'the licence name links to its IRI',
    );
  });

  await step('the strategy page names its linked items by title and says which one is not there', async () => {
    const text = await itemText('words-strategy');
    noCodes(text, ['follower', 'implementation', 'in-progress', 'linked slugs']);
    await shows('Folgestadt (Follower)');
    await shows('Umsetzung');
    const links = await page.$$eval('[data-testid="linked-item"]', (els) => els.map((a) => [a.textContent, a.getAttribute('href')]));
    const want = [
      ['Beteiligungsbaukasten', `/?item=${NID}%2Fwords-solution`],
      ['Beteiligungsformate 2016', `/?item=${NID}%2Fwords-dataset`],
    ];
    for (const [title, href] of want)
      assert(links.some(([t, h]) => t === title && h === href), `a link "${title}" to ${href}; links: ${JSON.stringify(links)}`);
    const unknown = await page.getByTestId('linked-unknown').allTextContents();
    eq(unknown.length, 1, 'one linked item is not in the registry');
    eq(unknown[0], `„${UNKNOWN}“ – nicht in diesem Register`, 'what the page says of it');
    assert(text.includes('In Umsetzung'), 'the measure\'s status in words');
    await page.locator('[data-testid="linked-item"]', { hasText: 'Beteiligungsbaukasten' }).first().click();
    await page.waitForFunction(() => document.querySelector('[data-testid="item-page"]')?.dataset.item === 'words-solution');
  });

  await step('the search page\'s licence and status facets show words', async () => {
    await page.goto(`${BASE}/`);
    await page.waitForFunction(() => document.querySelector('[data-testid="search-page"]')?.getAttribute('data-state') === 'ready');
    const values = (f) => page.$$eval(`[data-testid="facet-${f}"] [data-testid="facet-option"] .value`, (els) => els.map((e) => e.textContent));
    const licences = await values('license');
    for (const w of ['European Union Public Licence 1.2', 'Datenlizenz Deutschland Namensnennung 2.0'])
      assert(licences.includes(w), `the licence facet shows "${w}": ${JSON.stringify(licences)}`);
    const statuses = await values('status');
    for (const w of ['Stabil', 'Umsetzung']) assert(statuses.includes(w), `the status facet shows "${w}": ${JSON.stringify(statuses)}`);
  });

  await step('in English the same page says the words in English', async () => {
    await itemText('words-dataset');
    await page.locator('#lang-switch').click();
    await page.waitForFunction(() => document.documentElement.lang === 'en');
    await page.getByTestId('item-page').waitFor();
    await shows('Data licence Germany – attribution – version 2.0');
    await shows('Never (not updated)');
    await shows('English');
    await shows('Government and public sector');
    await shows('Stadt Leipzig (sample)');
    await page.locator('#lang-switch').click();
    await page.waitForFunction(() => document.documentElement.lang === 'de');
  });
} catch (e) {
  error = e;
}
await finish(browser, error);
