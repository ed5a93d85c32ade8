// manifest.js - an item's manifest in words, per kind: a solution
// (publiccode.yml), a dataset (DCAT-AP) or a strategy; any other kind as
// its plain fields.

import { api } from './api.js';
import { h, extLink, navLink, itemParams, dl, list, inline, paragraphs } from './dom.js';
import { countryName, fmtBytes, contactEl } from './format.js';
import { lang, t } from './labels.js';
import { wordEl, phrase } from './vocab.js';

// A solution's description in the page's language, else English, German, the first.
export function pickLang(descs) {
  if (!descs || typeof descs !== 'object') return null;
  return descs[lang] || descs.en || descs.de || Object.values(descs)[0] || null;
}

// The language (a BCP 47 tag) of the description pickLang chose, when it is
// another than the page's, for its lang attribute; else null.
export function pickedLangTag(descs, d) {
  if (!descs || typeof descs !== 'object' || !d) return null;
  const tag = Object.keys(descs).find((k) => descs[k] === d);
  return tag && tag !== lang && /^[a-z]{2,3}(-[A-Za-z0-9]{1,8})*$/.test(tag) ? tag : null;
}

// The manifest m of doc (the API's Item) as page content.
export function renderManifest(kind, m, doc) {
  if (kind === 'solution') return renderSolution(m, doc);
  if (kind === 'dataset') return renderDataset(m, doc);
  if (kind === 'strategy') return renderStrategy(m, doc);
  return dl(Object.entries(m).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
}

function renderSolution(m, doc) {
  const d = pickLang(m.description) || {};
  const legal = m.legal || {};
  const aud = m.intendedAudience || {};
  const maint = m.maintenance || {};
  const tr = m.transfer || {};
  const loc = m.localisation || {};
  const isBasedOn = Array.isArray(m.isBasedOn) ? m.isBasedOn : m.isBasedOn ? [m.isBasedOn] : [];
  const dLang = pickedLangTag(m.description, d); // the description's, when not the page's
  return [
    d.shortDescription ? h('p', { class: 'lead', testid: 'manifest-summary', lang: dLang }, d.shortDescription) : null,
    dLang && d.longDescription ? h('div', { lang: dLang }, paragraphs(d.longDescription)) : paragraphs(d.longDescription),
    d.features && d.features.length ? [h('h3', null, t('m_features')), h('div', { lang: dLang }, list(d.features, null, 'bullets'))] : null,
    dl([
      [t('m_name'), m.name],
      [t('m_developmentStatus'), words('developmentStatus', m.developmentStatus)],
      [t('m_softwareVersion'), m.softwareVersion],
      [t('m_releaseDate'), m.releaseDate],
      [t('m_softwareType'), words('softwareType', m.softwareType)],
      [t('m_categories'), words('category', m.categories)],
      [t('m_platforms'), words('platform', m.platforms)],
      [t('m_license'), words('license', legal.license)],
      [t('m_mainCopyrightOwner'), legal.mainCopyrightOwner],
      [t('m_usedBy'), inline(m.usedBy)],
      [t('m_organisation'), m.organisation && m.organisation.name],
      [t('m_fundedBy'), Array.isArray(m.fundedBy) ? inline(m.fundedBy, (f) => (f && f.name) || '') : null],
      [t('m_scope'), words('scope', aud.scope)],
      [t('m_audienceCountries'), inline(aud.countries, (c) => countryName(String(c).toUpperCase()))],
      [t('m_languages'), words('language', loc.availableLanguages)],
      [t('m_url'), m.url ? extLink(m.url) : null],
      [t('m_landingURL'), m.landingURL ? extLink(m.landingURL) : null],
      [t('m_isBasedOn'), isBasedOn.length ? list(isBasedOn, (u) => extLink(u)) : null],
      [t('m_maintenanceType'), words('maintenance', maint.type)],
      [t('m_contacts'), Array.isArray(maint.contacts) ? list(maint.contacts, contactEl) : null],
    ]),
    Object.keys(tr).length
      ? [
          h('h3', null, t('m_transfer')),
          dl([
            [t('m_prerequisites'), list(tr.prerequisites, null, 'bullets')],
            [t('m_effort'), tr.effort],
            [t('m_lessonsLearned'), list(tr.lessonsLearned, null, 'bullets')],
            [t('m_transferContact'), contactEl(tr.contact)],
          ]),
        ]
      : null,
  ];
}

function renderDataset(m, doc) {
  const dists = Array.isArray(m.distributions) ? m.distributions : [];
  return [
    paragraphs(m.description),
    dl([
      [t('m_publisher'), m.publisher ? [m.publisher.name, m.publisher.url ? [' · ', extLink(m.publisher.url)] : null] : null],
      [t('m_contactPoint'), contactEl(m.contactPoint)],
      [t('m_maintainer'), contactEl(m.maintainer)],
      [t('m_theme'), words('theme', m.theme)],
      [t('m_keywords'), inline(m.keywords)],
      [t('m_license'), typeof m.license === 'string' ? extLink(m.license, wordEl('license', m.license)) : null],
      [t('m_spatial'), spatialEl(m, doc)],
      [t('m_issued'), m.issued],
      [t('m_modified'), m.modified],
      [t('m_accrualPeriodicity'), words('frequency', m.accrualPeriodicity)],
      [t('m_language'), words('language', m.language)],
      [t('m_landingPage'), m.landingPage ? extLink(m.landingPage) : null],
    ]),
    dists.length
      ? [
          h('h3', null, t('m_distributions')),
          h(
            'ul',
            { class: 'plain dists' },
            dists.map((d) =>
              h(
                'li',
                null,
                d.downloadURL || d.accessURL ? extLink(d.downloadURL || d.accessURL, d.title || d.file) : h('strong', null, d.title || d.file || ''),
                d.format ? [` · ${t('m_format')}: `, wordEl('format', d.format)] : '',
                typeof d.byteSize === 'number' ? ` · ${t('m_size')}: ${fmtBytes(d.byteSize)}` : '',
                d.file ? [' · ', h('code', null, d.file)] : null,
              ),
            ),
          ),
        ]
      : null,
  ];
}

function renderStrategy(m, doc) {
  const measures = Array.isArray(m.measures) ? m.measures : [];
  const period = m.startDate || m.endDate ? `${m.startDate || '…'} – ${m.endDate || '…'}` : null;
  const link = linkedItems(doc); // an item by its title
  // "Solutions: a, b" under a measure
  const measureItems = (label, ids) => (Array.isArray(ids) && ids.length ? h('p', { class: 'muted' }, label, ': ', inline(ids, link)) : null);
  return [
    m.motto ? h('p', { class: 'lead motto', testid: 'manifest-summary' }, t('quoteOpen'), m.motto, t('quoteClose')) : null,
    paragraphs(m.summary),
    dl([
      [t('m_programme'), m.programme],
      [t('m_cohort'), m.cohort !== undefined ? String(m.cohort) : null],
      [t('m_role'), words('role', m.role)],
      [t('m_phase'), words('phase', m.phase)],
      [t('m_cityCategory'), words('cityCategory', m.cityCategory)],
      [t('m_period'), period],
      [t('m_fieldsOfAction'), list(m.fieldsOfAction)],
      [t('m_solutions'), Array.isArray(m.solutions) ? list(m.solutions, link) : null],
      [t('m_datasets'), Array.isArray(m.datasets) ? list(m.datasets, link) : null],
      [t('m_partners'), Array.isArray(m.partners) ? list(m.partners, (p) => [p.name, p.role ? ` (${p.role})` : '']) : null],
      [t('m_links'), Array.isArray(m.links) ? list(m.links, (u) => extLink(u)) : null],
    ]),
    measures.length
      ? [
          h('h3', null, t('m_measures')),
          h(
            'ol',
            { class: 'measures' },
            measures.map((x) =>
              h(
                'li',
                null,
                h('strong', null, x.title),
                x.status ? h('span', { class: 'badge status' }, wordEl('measureStatus', x.status)) : null,
                x.fieldOfAction ? h('span', { class: 'muted' }, ' · ', x.fieldOfAction) : null,
                x.description ? h('p', null, x.description) : null,
                measureItems(t('m_solutions'), x.solutions),
                measureItems(t('m_datasets'), x.datasets),
              ),
            ),
          ),
        ]
      : null,
  ];
}

// The words for a coded value, or for each of a list of them (inline), or null.
function words(kind, v) {
  if (Array.isArray(v)) return v.length ? inline(v, (c) => wordEl(kind, c)) : null;
  return v === undefined || v === null || v === '' ? null : wordEl(kind, v);
}

// A dataset's area: its spatialName, else the node's name when the code is
// the node's own, else the kind of key in words with the code; a URI that
// is no DCAT-AP.de political geocoding IRI as a link. The code itself is
// the title.
function spatialEl(m, doc) {
  if (typeof m.spatial !== 'string' || !m.spatial) return null;
  const code = m.spatial;
  const geo = /^https?:\/\/dcat-ap\.de\/def\/politicalGeocoding\/[A-Za-z]+\/([0-9]{2,12})$/.exec(code);
  const digits = /^[0-9]{2,12}$/.test(code) ? code : geo ? geo[1] : null;
  const node = doc && doc.node ? doc.node : {};
  let name = typeof m.spatialName === 'string' && m.spatialName ? m.spatialName : null;
  if (!name && digits && node.code && node.code === digits) name = node.name;
  if (name) return h('span', { title: code, testid: 'spatial' }, name);
  if (digits) return h('span', { title: code, testid: 'spatial' }, phrase('spatialKey' + digits.length, { code: digits }));
  return extLink(code);
}

// At most this many linked items are looked up, in parallel, per page.
const MAX_LINKED = 50;

// A function that gives the link to an item reference of the strategy in
// doc ("item", "node/item" or either with "@version"): the link shows the
// item's title once the registry answered, or says in words that the item
// is not there. Past MAX_LINKED distinct references the links show them as
// written.
function linkedItems(doc) {
  const seen = new Map(); // ref -> the promise of its title
  return (ref) => {
    const r = parseRef(String(ref), doc.node.id);
    if (!r) return h('span', { class: 'unknown-item', testid: 'linked-unknown' }, phrase('itemUnknown', { ref }));
    const a = navLink(itemParams(r.node, r.item, r.version), phrase('itemLoading'), { testid: 'linked-item', 'data-ref': ref });
    if (!seen.has(ref)) {
      if (seen.size >= MAX_LINKED) {
        a.textContent = ref;
        return a;
      }
      const path = `/api/v1/items/${r.node}/${r.item}` + (r.version ? '?' + new URLSearchParams({ version: r.version }) : '');
      seen.set(
        ref,
        api(path).then(
          (d) => d.title || d.item,
          () => null,
        ),
      );
    }
    seen.get(ref).then((title) => {
      if (title) {
        a.textContent = title;
      } else {
        a.replaceWith(h('span', { class: 'unknown-item', testid: 'linked-unknown' }, phrase('itemUnknown', { ref })));
      }
    });
    return a;
  };
}

// {node, item, version} of an item reference, or null when it names its
// node in a way the registry cannot look up.
function parseRef(ref, ownNode) {
  const m = /^(?:([^/@]+)\/)?([a-z0-9][a-z0-9-]{0,62})(?:@([0-9A-Za-z.+-]+))?$/.exec(ref);
  if (!m) return null;
  if (m[1] && !/^[0-9a-f]{8,64}$/.test(m[1])) return null;
  return { node: m[1] || ownNode, item: m[2], version: m[3] || null };
}
