// vocab.test.mjs - node/web/vocab.js has German and English words for every
// code a manifest or profile can carry: every value of every enum in
// schemas/*.schema.json (read here, so a new enum value without words fails),
// and the licences, file formats, frequencies and languages that
// registry/dcat_vocab.c maps for the DCAT-AP catalog. Run by ctest as
// web/vocab: node --test tests/web/vocab.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

// labels.js picks the page's language from localStorage or navigator; node
// has neither (before node 21), so the first language is German.
globalThis.navigator = { language: 'de-DE' };
const { word, hasWord } = await import(join(ROOT, 'node/web/vocab.js'));
const labels = await import(join(ROOT, 'node/web/labels.js'));

// Run fn once with the page in German, once in English.
function inBoth(fn) {
  for (const want of ['de', 'en']) {
    if (labels.lang !== want) labels.toggleLang();
    assert.equal(labels.lang, want);
    fn(want);
  }
}

// Which vocab kind each enum of the schemas is shown with, by schema file and
// JSON pointer; null for enums that are no value people read.
const ENUM_KINDS = {
  'dataset.schema.json': {
    '/properties/theme/items': 'theme',
    '/properties/accrualPeriodicity': 'frequency',
  },
  'node.schema.json': { '/properties/roles/items': 'role' },
  'solution.schema.json': {
    '/properties/publiccodeYmlVersion': null,
    '/properties/developmentStatus': 'developmentStatus',
    '/properties/softwareType': 'softwareType',
    '/properties/intendedAudience/properties/scope/items': 'scope',
    '/properties/IT/properties/countryExtensionVersion': null,
    '/properties/it/properties/countryExtensionVersion': null,
    '/$defs/category': 'category',
    '/$defs/maintenance/properties/type': 'maintenance',
    '/$defs/maintenance/allOf/1/if/properties/type': 'maintenance',
  },
  'strategy.schema.json': {
    '/properties/role': 'role',
    '/properties/phase': 'phase',
    '/$defs/measure/properties/status': 'measureStatus',
  },
};

function enums(node, path, out) {
  if (Array.isArray(node)) node.forEach((x, i) => enums(x, `${path}/${i}`, out));
  else if (node && typeof node === 'object') {
    if (Array.isArray(node.enum)) out.push([path, node.enum]);
    for (const [k, v] of Object.entries(node)) enums(v, `${path}/${k}`, out);
  }
  return out;
}

const schemaFiles = readdirSync(join(ROOT, 'schemas')).filter((f) => f.endsWith('.schema.json'));

test('every enum of every schema is mapped to a kind of words', () => {
  let n = 0;
  for (const f of schemaFiles) {
    const schema = JSON.parse(readFileSync(join(ROOT, 'schemas', f), 'utf8'));
    for (const [path] of enums(schema, '', [])) {
      n++;
      assert.ok(Object.hasOwn(ENUM_KINDS[f] || {}, path), `${f}#${path}: an enum vocab.js does not know; give its values words and list it in ENUM_KINDS`);
    }
  }
  assert.ok(n >= 10, `only ${n} enums found in schemas/`);
});

test('every value of every enum has German and English words', () => {
  inBoth((l) => {
    for (const f of schemaFiles) {
      const schema = JSON.parse(readFileSync(join(ROOT, 'schemas', f), 'utf8'));
      for (const [path, values] of enums(schema, '', [])) {
        const kind = (ENUM_KINDS[f] || {})[path];
        if (!kind) continue;
        for (const v of values) {
          assert.ok(hasWord(kind, v), `${f}#${path}: "${v}" has no ${l} words (kind ${kind})`);
          const w = word(kind, v);
          assert.ok(w && w !== v, `${f}#${path}: "${v}" is shown as its code in ${l}`);
        }
      }
    }
  });
});

test('German and English words differ where the languages do', () => {
  // a table filled with one language twice would pass the test above
  const de = {};
  inBoth((l) => {
    for (const [k, c] of [['theme', 'ENVI'], ['category', 'survey'], ['scope', 'welfare'], ['maintenance', 'none'], ['frequency', 'never'], ['role', 'lighthouse'], ['phase', 'implementation'], ['measureStatus', 'done'], ['softwareType', 'configurationFiles'], ['platform', 'other'], ['developmentStatus', 'stable']]) {
      if (l === 'de') de[k] = word(k, c);
      else assert.notEqual(word(k, c), de[k], `${k} ${c}: the same words in German and English`);
    }
  });
});

// The string pairs of one table of registry/dcat_vocab.c.
function cTable(name) {
  const src = readFileSync(join(ROOT, 'registry/dcat_vocab.c'), 'utf8');
  const m = new RegExp(`${name}\\[\\]\\[2\\] = \\{([\\s\\S]*?)\\};`).exec(src);
  assert.ok(m, `registry/dcat_vocab.c has no table ${name}`);
  return [...m[1].matchAll(/\{"([^"]*)",\s*"([^"]*)"\}/g)].map((x) => [x[1], x[2]]);
}

test('the licences, formats, frequencies and languages of registry/dcat_vocab.c have words', () => {
  inBoth((l) => {
    for (const [url, path] of cTable('licenses')) {
      for (const iri of [`http://dcat-ap.de/def/licenses/${path}`, `https://${url}/`]) {
        assert.ok(hasWord('license', iri), `${iri} has no ${l} words`);
        assert.doesNotMatch(word('license', iri), /^https?:/, `${iri} is shown as its IRI in ${l}`);
      }
    }
    for (const [format, eu] of cTable('file_types')) {
      assert.ok(hasWord('format', format), `format ${format} has no ${l} words`);
      assert.ok(hasWord('format', `http://publications.europa.eu/resource/authority/file-type/${eu}`), `file type ${eu} has no ${l} words`);
    }
    for (const [value, eu] of cTable('frequencies')) {
      assert.ok(hasWord('frequency', value), `frequency ${value} has no ${l} words`);
      assert.equal(word('frequency', `http://publications.europa.eu/resource/authority/frequency/${eu}`), word('frequency', value), `frequency ${eu} and ${value} differ`);
    }
    for (const [code] of cTable('languages')) assert.ok(hasWord('language', code), `language ${code} has no ${l} name (Intl.DisplayNames)`);
  });
});

test('the words of single values', () => {
  inBoth((l) => {
    const de = l === 'de';
    assert.equal(word('license', 'http://dcat-ap.de/def/licenses/dl-by-de/2.0'), de ? 'Datenlizenz Deutschland Namensnennung 2.0' : 'Data licence Germany – attribution – version 2.0');
    assert.equal(word('license', 'EUPL-1.2'), 'European Union Public Licence 1.2');
    assert.equal(
      word('license', 'GPL-3.0-or-later OR (MIT AND Apache-2.0 WITH LLVM-exception)'),
      de
        ? 'GNU General Public License v3.0 (oder eine spätere Version) oder (MIT License und Apache License 2.0 mit LLVM Exception)'
        : 'GNU General Public License v3.0 (or later) or (MIT License and Apache License 2.0 with LLVM Exception)',
    );
    assert.equal(word('license', 'LicenseRef-city-terms'), 'LicenseRef-city-terms');
    assert.equal(word('language', 'en'), de ? 'Englisch' : 'English');
    assert.equal(word('format', 'CSV'), de ? 'CSV (Tabelle, kommagetrennt)' : 'CSV (comma-separated table)');
    assert.equal(word('format', 'csv'), de ? 'CSV (Tabelle, kommagetrennt)' : 'CSV (comma-separated table)');
    assert.equal(word('frequency', 'never'), de ? 'Nie (wird nicht aktualisiert)' : 'Never (not updated)');
    assert.equal(word('platform', 'Web'), de ? 'Webbrowser' : 'Web browser');
    assert.equal(word('platform', 'BeOS'), 'BeOS');
    assert.equal(word('theme', 'http://publications.europa.eu/resource/authority/data-theme/TRAN'), de ? 'Verkehr' : 'Transport');
    assert.equal(
      word('cityCategory', 'Kleinere Großstadt • Nordrhein-Westfalen'),
      de ? 'Kleinere Großstadt • Nordrhein-Westfalen' : 'Smaller large city (100,000 to 500,000 inhabitants) • North Rhine-Westphalia',
    );
    assert.equal(word('role', 'unknown-role'), 'unknown-role');
    assert.equal(word('nokind', 'x'), 'x');
    assert.equal(word('theme', null), '');
  });
});
