// manifest.js - an item's manifest in words, per kind: a solution
// (publiccode.yml), a dataset (DCAT-AP) or a strategy; any other kind as
// its plain fields.

import { h, extLink, navLink, itemParams, dl, list, inline, paragraphs } from './dom.js';
import { countryName, fmtBytes, contactEl } from './format.js';
import { lang, t, labelOr } from './labels.js';

// A solution's description in the page's language, else English, German, the first.
export function pickLang(descs) {
  if (!descs || typeof descs !== 'object') return null;
  return descs[lang] || descs.en || descs.de || Object.values(descs)[0] || null;
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
  return [
    d.shortDescription ? h('p', { class: 'lead', testid: 'manifest-summary' }, d.shortDescription) : null,
    paragraphs(d.longDescription),
    d.features && d.features.length ? [h('h3', null, t('m_features')), list(d.features, null, 'bullets')] : null,
    dl([
      [t('m_name'), m.name],
      [t('m_developmentStatus'), m.developmentStatus ? labelOr('status_', m.developmentStatus) : null],
      [t('m_softwareVersion'), m.softwareVersion],
      [t('m_releaseDate'), m.releaseDate],
      [t('m_softwareType'), m.softwareType],
      [t('m_categories'), inline(m.categories)],
      [t('m_platforms'), inline(m.platforms)],
      [t('m_license'), legal.license],
      [t('m_mainCopyrightOwner'), legal.mainCopyrightOwner],
      [t('m_usedBy'), inline(m.usedBy)],
      [t('m_organisation'), m.organisation && m.organisation.name],
      [t('m_fundedBy'), Array.isArray(m.fundedBy) ? inline(m.fundedBy, (f) => (f && f.name) || '') : null],
      [t('m_scope'), inline(aud.scope)],
      [t('m_audienceCountries'), inline(aud.countries, (c) => countryName(String(c).toUpperCase()))],
      [t('m_languages'), inline(loc.availableLanguages)],
      [t('m_url'), m.url ? extLink(m.url) : null],
      [t('m_landingURL'), m.landingURL ? extLink(m.landingURL) : null],
      [t('m_isBasedOn'), isBasedOn.length ? list(isBasedOn, (u) => extLink(u)) : null],
      [t('m_maintenanceType'), maint.type],
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
  const themeText = (c) => labelOr('theme_', c);
  return [
    paragraphs(m.description),
    dl([
      [t('m_publisher'), m.publisher ? [m.publisher.name, m.publisher.url ? [' · ', extLink(m.publisher.url)] : null] : null],
      [t('m_contactPoint'), contactEl(m.contactPoint)],
      [t('m_maintainer'), contactEl(m.maintainer)],
      [t('m_theme'), inline(m.theme, themeText)],
      [t('m_keywords'), inline(m.keywords)],
      [t('m_license'), typeof m.license === 'string' ? extLink(m.license) : null],
      [t('m_spatial'), m.spatial],
      [t('m_issued'), m.issued],
      [t('m_modified'), m.modified],
      [t('m_accrualPeriodicity'), m.accrualPeriodicity],
      [t('m_language'), inline(m.language)],
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
                d.format ? ` · ${t('m_format')}: ${d.format}` : '',
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
  const link = (id) => navLink(itemParams(doc.node.id, id), id); // an item of the same node
  // "Solutions: a, b" under a measure
  const measureItems = (label, ids) => (Array.isArray(ids) && ids.length ? h('p', { class: 'muted' }, label, ': ', inline(ids, link)) : null);
  return [
    m.motto ? h('p', { class: 'lead motto', testid: 'manifest-summary' }, t('quoteOpen'), m.motto, t('quoteClose')) : null,
    paragraphs(m.summary),
    dl([
      [t('m_programme'), m.programme],
      [t('m_cohort'), m.cohort !== undefined ? String(m.cohort) : null],
      [t('m_role'), m.role],
      [t('m_phase'), m.phase ? labelOr('status_', m.phase) : null],
      [t('m_cityCategory'), m.cityCategory],
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
                x.status ? h('span', { class: 'badge status' }, labelOr('status_', x.status)) : null,
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
