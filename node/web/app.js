// app.js - the registry's web page (docs/WEB.md): search with facets, item
// pages, node pages and the directory of nodes, all read from /api/v1/
// (docs/api.yaml). No framework, no build step. The state lives in the URL:
//   /?q=mobilitaet&kind=strategy   a search (facet filters repeat: &theme=A&theme=B)
//   /?item=<node>/<item>[&version=V] an item
//   /?node=<node>                  a node and its items
//   /?view=nodes                   the directory of nodes
// Everything from the network is put into the page with textContent / DOM
// nodes (the h() helper), never as HTML.

// ---- labels: every word the page shows, in one table ------------------------

const LABELS = {
  en: {
    langName: 'English',
    quoteOpen: '“',
    quoteClose: '”',
    toFilters: 'Go to the filters',
    switchTo: 'Deutsch',
    switchToLabel: 'Seite auf Deutsch anzeigen',
    skip: 'Skip to content',
    brand: 'citynode registry',
    navSearch: 'Search',
    navNodes: 'Cities',
    navLabel: 'Main',
    footer: 'The shared registry of a citynode network. The same data as JSON: ',
    keptBy: 'This registry is kept by {name}.',
    replicatedHeading: 'Replicated from other cities',
    replicatedIntro: 'Solutions this city took over, as it signed it.',
    replicatedFrom: '(version {v} of {city})',
    replicatedOn: 'on {date}',
    loading: 'Loading…',
    searchTitle: 'Find solutions, datasets and strategies',
    searchIntro: 'Everything the cities of this network have published: software and other reusable solutions, open datasets and smart city strategies. Results appear as you type; words without umlauts work too (“Mobilitat” finds “Mobilität”).',
    searchLabel: 'Search words',
    searchPlaceholder: 'e.g. mobility, Bürgerbeteiligung, digital twin',
    searchButton: 'Search',
    filters: 'Filter',
    filtersHint: 'Choose a value to show only matching items; choose it again to remove the filter.',
    showAll: 'Show all {n}',
    showFewer: 'Show fewer',
    activeFilters: 'Active filters:',
    removeFilter: 'Remove filter {facet}: {value}',
    clearFilters: 'Remove all filters',
    sortLabel: 'Sort by',
    sort_relevance: 'Best match',
    sort_recent: 'Newest first',
    sort_replications: 'Most replicated',
    hideWithdrawn: 'Hide withdrawn items',
    resultsHeading: 'Results',
    resultsCount0: 'Nothing found.',
    resultsCount1: '1 item found.',
    resultsCountN: '{n} items found.',
    resultsFor: '{count} Search: “{q}”.',
    searching: 'Searching…',
    noResultsHelp: 'Try fewer or shorter words, or remove a filter.',
    pages: 'Pages',
    prev: 'Previous page',
    next: 'Next page',
    pageOf: 'Page {page} of {pages}',
    version: 'Version {v}',
    updated: 'updated {date}',
    replicatedN: 'replicated by {n} other cities',
    replicated1: 'replicated by 1 other city',
    withdrawn: 'Withdrawn',
    byLabel: 'by',
    facet_kind: 'Kind',
    facet_theme: 'Theme',
    facet_field: 'Field of action',
    facet_city: 'City',
    facet_country: 'Country',
    facet_programme: 'Programme',
    facet_license: 'Licence',
    facet_status: 'Status',
    kind_solution: 'Solution',
    kind_dataset: 'Dataset',
    kind_strategy: 'Strategy',
    status_concept: 'Concept',
    status_development: 'In development',
    status_beta: 'Beta',
    status_stable: 'Stable',
    status_obsolete: 'Obsolete',
    status_planned: 'Planned',
    status_ongoing: 'Ongoing',
    'status_in-progress': 'In progress',
    status_completed: 'Completed',
    status_done: 'Done',
    backToSearch: 'Back to the search',
    publishedBy: 'Published by',
    itemWithdrawn: 'This item was withdrawn by its publisher. It is still shown here so that links keep working, but it should not be used for new projects.',
    versionWithdrawn: 'Version {v} was withdrawn on {date}.',
    versionWithdrawnNoDate: 'Version {v} was withdrawn.',
    reason: 'Reason: {r}',
    olderVersion: 'You are looking at version {v}. The current version is {latest}.',
    showLatest: 'Show the current version',
    trustHeading: 'Signature and verification',
    signedVerified: 'Signed by {name}, verified on {date}.',
    signedNotVerified: 'Signed by {name}. This registry has not verified it yet.',
    notSigned: 'No signature is recorded for this version.',
    trustExplain: 'The publishing city signs every version with its own digital key. This registry checked that the signature is valid and that the files are exactly the ones the city published. If anyone had changed them on the way, the check would have failed and the item would not be listed.',
    trustExplainIndex: 'This registry only keeps the description of this item (the city is followed as “index only”); the signature on the description was checked, the files themselves are not stored here.',
    signingKeys: 'Signing key',
    publishedOn: 'Published',
    verifiedOn: 'Verified by this registry',
    notYet: 'not yet',
    gitTag: 'Git tag',
    commit: 'Commit',
    about: 'About',
    getHeading: 'Get a copy',
    downloadsIntro: 'Download the files of version {v}:',
    dlZip: 'All files (ZIP)',
    dlManifest: 'Description (manifest.json)',
    dlBundle: 'Complete package with history (full.bundle, for git)',
    dlPubliccode: 'publiccode.yml (standard description of public software)',
    cloneIntro: 'IT staff can copy the whole project with its history using git. Run this in a terminal:',
    copy: 'Copy',
    copied: 'Copied to the clipboard.',
    copyFailed: 'Could not copy; select the text and copy it by hand.',
    noFilesHere: 'The files of this item are not stored on this registry; get them from the publishing city.',
    versionsHeading: 'All versions',
    colVersion: 'Version',
    colPublished: 'Published',
    colSigned: 'Signed by',
    colVerified: 'Verified',
    colStatus: 'Status',
    current: 'current',
    available: 'available',
    keyLabel: 'key {k}',
    graphHeading: 'Replications',
    graphIntro: 'Which cities took over this item or which item it is based on. Arrows point from the original to the copy.',
    graphNone: 'No city has replicated this item yet.',
    graphError: 'The replication graph could not be loaded: {msg}',
    graphTruncated: 'The graph is large; only part of it is shown.',
    edgeReplicates: '{to} replicated version {v} of {from}.',
    edgeReplicatesOn: '{to} replicated version {v} of {from} on {date}.',
    edgeReplicatesAny: '{to} replicated {from}.',
    edgeBasedOn: '{to} is based on {from}.',
    edgeWithdrawn: 'withdrawn',
    unknownItem: '(not in this registry)',
    basedOnHeading: 'Based on',
    rawJson: 'Technical details (the manifest as JSON)',
    nodeHeading: 'City',
    nodeSource_self: 'This is the city that runs this registry.',
    nodeSource_mirror: 'This registry follows this city and keeps a verified copy of everything it publishes.',
    nodeSource_index: 'This registry follows this city and lists its items (descriptions only, files stay with the city).',
    nodeVerified: 'Its signed profile was last verified on {date}.',
    nodeId: 'Node id',
    website: 'Website',
    country: 'Country',
    code: 'Municipality code',
    programmes: 'Programmes',
    roles: 'Roles',
    contact: 'Contact',
    email: 'E-mail',
    description: 'Description',
    itemsHeading: 'Published items',
    itemCounts: '{total}: {solution}, {dataset}, {strategy}',
    n_items_one: '1 item',
    n_items_other: '{n} items',
    n_solutions_one: '1 solution',
    n_solutions_other: '{n} solutions',
    n_datasets_one: '1 dataset',
    n_datasets_other: '{n} datasets',
    n_strategies_one: '1 strategy',
    n_strategies_other: '{n} strategies',
    withdrawnCount: '{n} withdrawn',
    nodesTitle: 'Cities in this network',
    nodesIntro: 'Every city (node) this registry knows: itself and the cities it follows.',
    nodesFilter: 'Filter by name',
    nodesCount0: 'No city found.',
    nodesCount1: '1 city.',
    nodesCountN: '{n} cities.',
    source_self: 'this registry',
    source_mirror: 'followed, copy kept',
    source_index: 'followed, index only',
    errorTitle: 'Something went wrong',
    errorNetwork: 'The registry could not be reached. Check the connection and try again.',
    notFound: 'This page does not exist (any more).',
    // manifest fields
    m_name: 'Name',
    m_localisedName: 'Name',
    m_shortDescription: 'Summary',
    m_longDescription: 'Description',
    m_features: 'Features',
    m_url: 'Source code',
    m_landingURL: 'Website',
    m_softwareVersion: 'Software version',
    m_releaseDate: 'Release date',
    m_developmentStatus: 'Development status',
    m_softwareType: 'Type',
    m_platforms: 'Platforms',
    m_categories: 'Categories',
    m_usedBy: 'Used by',
    m_license: 'Licence',
    m_mainCopyrightOwner: 'Copyright owner',
    m_scope: 'Areas',
    m_audienceCountries: 'Countries',
    m_maintenance: 'Maintenance',
    m_maintenanceType: 'Maintained by',
    m_contacts: 'Contacts',
    m_languages: 'Languages',
    m_transfer: 'Taking it over',
    m_prerequisites: 'What you need',
    m_effort: 'Effort',
    m_lessonsLearned: 'Lessons learned',
    m_transferContact: 'Contact for questions',
    m_isBasedOn: 'Based on',
    m_fundedBy: 'Funded by',
    m_organisation: 'Organisation',
    m_title: 'Title',
    m_publisher: 'Publisher',
    m_contactPoint: 'Contact',
    m_maintainer: 'Maintained by',
    m_theme: 'Themes',
    m_keywords: 'Keywords',
    m_spatial: 'Area',
    m_issued: 'Issued',
    m_modified: 'Modified',
    m_accrualPeriodicity: 'Update frequency',
    m_landingPage: 'Website',
    m_language: 'Languages',
    m_distributions: 'Files',
    m_format: 'Format',
    m_size: 'Size',
    m_motto: 'Motto',
    m_summary: 'Summary',
    m_programme: 'Programme',
    m_cohort: 'Cohort',
    m_role: 'Role',
    m_phase: 'Phase',
    m_cityCategory: 'Type of municipality',
    m_fieldsOfAction: 'Fields of action',
    m_measures: 'Measures',
    m_solutions: 'Solutions',
    m_datasets: 'Datasets',
    m_partners: 'Partners',
    m_links: 'Links',
    m_period: 'Period',
    m_other: 'Further details',
    theme_AGRI: 'Agriculture, fisheries, forestry and food',
    theme_ECON: 'Economy and finance',
    theme_EDUC: 'Education, culture and sport',
    theme_ENER: 'Energy',
    theme_ENVI: 'Environment',
    theme_GOVE: 'Government and public sector',
    theme_HEAL: 'Health',
    theme_INTR: 'International issues',
    theme_JUST: 'Justice, legal system and public safety',
    theme_REGI: 'Regions and cities',
    theme_SOCI: 'Population and society',
    theme_TECH: 'Science and technology',
    theme_TRAN: 'Transport',
  },
  de: {
    langName: 'Deutsch',
    quoteOpen: '„',
    quoteClose: '“',
    toFilters: 'Zu den Filtern',
    switchTo: 'English',
    switchToLabel: 'Show this page in English',
    skip: 'Zum Inhalt springen',
    brand: 'citynode-Register',
    navSearch: 'Suche',
    navNodes: 'Städte',
    navLabel: 'Hauptmenü',
    footer: 'Das gemeinsame Register eines citynode-Netzwerks. Dieselben Daten als JSON: ',
    keptBy: 'Dieses Register führt {name}.',
    replicatedHeading: 'Von anderen Städten übernommen',
    replicatedIntro: 'Lösungen, die diese Stadt übernommen hat, wie sie es signiert hat.',
    replicatedFrom: '(Version {v} von {city})',
    replicatedOn: 'am {date}',
    loading: 'Wird geladen …',
    searchTitle: 'Lösungen, Datensätze und Strategien finden',
    searchIntro: 'Alles, was die Städte dieses Netzwerks veröffentlicht haben: Software und andere übertragbare Lösungen, offene Datensätze und Smart-City-Strategien. Die Treffer erscheinen schon beim Tippen; Wörter ohne Umlaute funktionieren auch („Mobilitat“ findet „Mobilität“).',
    searchLabel: 'Suchbegriffe',
    searchPlaceholder: 'z. B. Mobilität, Bürgerbeteiligung, digitaler Zwilling',
    searchButton: 'Suchen',
    filters: 'Filtern',
    filtersHint: 'Wählen Sie einen Wert, um nur passende Einträge zu sehen; ein zweiter Klick hebt den Filter auf.',
    showAll: 'Alle {n} zeigen',
    showFewer: 'Weniger zeigen',
    activeFilters: 'Aktive Filter:',
    removeFilter: 'Filter entfernen: {facet}: {value}',
    clearFilters: 'Alle Filter entfernen',
    sortLabel: 'Sortieren nach',
    sort_relevance: 'Beste Treffer',
    sort_recent: 'Neueste zuerst',
    sort_replications: 'Am häufigsten übernommen',
    hideWithdrawn: 'Zurückgezogene Einträge ausblenden',
    resultsHeading: 'Treffer',
    resultsCount0: 'Nichts gefunden.',
    resultsCount1: '1 Eintrag gefunden.',
    resultsCountN: '{n} Einträge gefunden.',
    resultsFor: '{count} Suche: „{q}“.',
    searching: 'Suche läuft …',
    noResultsHelp: 'Versuchen Sie weniger oder kürzere Wörter, oder entfernen Sie einen Filter.',
    pages: 'Seiten',
    prev: 'Vorige Seite',
    next: 'Nächste Seite',
    pageOf: 'Seite {page} von {pages}',
    version: 'Version {v}',
    updated: 'aktualisiert am {date}',
    replicatedN: 'von {n} anderen Städten übernommen',
    replicated1: 'von 1 anderen Stadt übernommen',
    withdrawn: 'Zurückgezogen',
    byLabel: 'von',
    facet_kind: 'Art',
    facet_theme: 'Thema',
    facet_field: 'Handlungsfeld',
    facet_city: 'Stadt',
    facet_country: 'Land',
    facet_programme: 'Programm',
    facet_license: 'Lizenz',
    facet_status: 'Stand',
    kind_solution: 'Lösung',
    kind_dataset: 'Datensatz',
    kind_strategy: 'Strategie',
    status_concept: 'Konzept',
    status_development: 'In Entwicklung',
    status_beta: 'Beta',
    status_stable: 'Stabil',
    status_obsolete: 'Veraltet',
    status_planned: 'Geplant',
    status_ongoing: 'Laufend',
    'status_in-progress': 'In Umsetzung',
    status_completed: 'Abgeschlossen',
    status_done: 'Erledigt',
    backToSearch: 'Zurück zur Suche',
    publishedBy: 'Veröffentlicht von',
    itemWithdrawn: 'Dieser Eintrag wurde von der veröffentlichenden Stadt zurückgezogen. Er bleibt hier sichtbar, damit Links weiter funktionieren, sollte aber nicht für neue Vorhaben genutzt werden.',
    versionWithdrawn: 'Version {v} wurde am {date} zurückgezogen.',
    versionWithdrawnNoDate: 'Version {v} wurde zurückgezogen.',
    reason: 'Grund: {r}',
    olderVersion: 'Sie sehen Version {v}. Die aktuelle Version ist {latest}.',
    showLatest: 'Aktuelle Version zeigen',
    trustHeading: 'Signatur und Prüfung',
    signedVerified: 'Signiert von {name}, geprüft am {date}.',
    signedNotVerified: 'Signiert von {name}. Dieses Register hat die Signatur noch nicht geprüft.',
    notSigned: 'Für diese Version ist keine Signatur verzeichnet.',
    trustExplain: 'Die veröffentlichende Stadt signiert jede Version mit ihrem eigenen digitalen Schlüssel. Dieses Register hat geprüft, dass die Signatur gültig ist und die Dateien genau die sind, die die Stadt veröffentlicht hat. Hätte jemand sie unterwegs verändert, wäre die Prüfung fehlgeschlagen und der Eintrag stünde nicht hier.',
    trustExplainIndex: 'Dieses Register hält von diesem Eintrag nur die Beschreibung (der Stadt wird „nur als Verzeichnis“ gefolgt); die Signatur der Beschreibung wurde geprüft, die Dateien selbst liegen nicht hier.',
    signingKeys: 'Signaturschlüssel',
    publishedOn: 'Veröffentlicht',
    verifiedOn: 'Von diesem Register geprüft',
    notYet: 'noch nicht',
    gitTag: 'Git-Tag',
    commit: 'Commit',
    about: 'Beschreibung',
    getHeading: 'Herunterladen',
    downloadsIntro: 'Die Dateien von Version {v} herunterladen:',
    dlZip: 'Alle Dateien (ZIP)',
    dlManifest: 'Beschreibung (manifest.json)',
    dlBundle: 'Vollständiges Paket mit Verlauf (full.bundle, für git)',
    dlPubliccode: 'publiccode.yml (Standardbeschreibung öffentlicher Software)',
    cloneIntro: 'IT-Fachleute können das ganze Projekt mit seinem Verlauf per git kopieren. Dazu im Terminal eingeben:',
    copy: 'Kopieren',
    copied: 'In die Zwischenablage kopiert.',
    copyFailed: 'Kopieren nicht möglich; bitte den Text markieren und von Hand kopieren.',
    noFilesHere: 'Die Dateien dieses Eintrags liegen nicht auf diesem Register; Sie erhalten sie bei der veröffentlichenden Stadt.',
    versionsHeading: 'Alle Versionen',
    colVersion: 'Version',
    colPublished: 'Veröffentlicht',
    colSigned: 'Signiert von',
    colVerified: 'Geprüft',
    colStatus: 'Status',
    current: 'aktuell',
    available: 'verfügbar',
    keyLabel: 'Schlüssel {k}',
    graphHeading: 'Übernahmen',
    graphIntro: 'Welche Städte diesen Eintrag übernommen haben oder worauf er aufbaut. Die Pfeile zeigen vom Original zur Übernahme.',
    graphNone: 'Noch keine Stadt hat diesen Eintrag übernommen.',
    graphError: 'Die Übernahmen konnten nicht geladen werden: {msg}',
    graphTruncated: 'Der Graph ist groß; nur ein Teil wird gezeigt.',
    edgeReplicates: '{to} hat Version {v} von {from} übernommen.',
    edgeReplicatesOn: '{to} hat am {date} Version {v} von {from} übernommen.',
    edgeReplicatesAny: '{to} hat {from} übernommen.',
    edgeBasedOn: '{to} baut auf {from} auf.',
    edgeWithdrawn: 'zurückgezogen',
    unknownItem: '(nicht in diesem Register)',
    basedOnHeading: 'Baut auf',
    rawJson: 'Technische Details (die Beschreibung als JSON)',
    nodeHeading: 'Stadt',
    nodeSource_self: 'Diese Stadt betreibt dieses Register.',
    nodeSource_mirror: 'Dieses Register folgt dieser Stadt und hält eine geprüfte Kopie von allem, was sie veröffentlicht.',
    nodeSource_index: 'Dieses Register folgt dieser Stadt und listet ihre Einträge (nur die Beschreibungen; die Dateien bleiben bei der Stadt).',
    nodeVerified: 'Ihr signiertes Profil wurde zuletzt am {date} geprüft.',
    nodeId: 'Knoten-ID',
    website: 'Website',
    country: 'Land',
    code: 'Gemeindeschlüssel',
    programmes: 'Programme',
    roles: 'Rollen',
    contact: 'Kontakt',
    email: 'E-Mail',
    description: 'Beschreibung',
    itemsHeading: 'Veröffentlichte Einträge',
    itemCounts: '{total}: {solution}, {dataset}, {strategy}',
    n_items_one: '1 Eintrag',
    n_items_other: '{n} Einträge',
    n_solutions_one: '1 Lösung',
    n_solutions_other: '{n} Lösungen',
    n_datasets_one: '1 Datensatz',
    n_datasets_other: '{n} Datensätze',
    n_strategies_one: '1 Strategie',
    n_strategies_other: '{n} Strategien',
    withdrawnCount: '{n} zurückgezogen',
    nodesTitle: 'Städte in diesem Netzwerk',
    nodesIntro: 'Alle Städte (Knoten), die dieses Register kennt: es selbst und die Städte, denen es folgt.',
    nodesFilter: 'Nach Namen filtern',
    nodesCount0: 'Keine Stadt gefunden.',
    nodesCount1: '1 Stadt.',
    nodesCountN: '{n} Städte.',
    source_self: 'dieses Register',
    source_mirror: 'gefolgt, Kopie vorhanden',
    source_index: 'gefolgt, nur Verzeichnis',
    errorTitle: 'Etwas ist schiefgegangen',
    errorNetwork: 'Das Register ist nicht erreichbar. Bitte Verbindung prüfen und erneut versuchen.',
    notFound: 'Diese Seite gibt es nicht (mehr).',
    m_name: 'Name',
    m_localisedName: 'Name',
    m_shortDescription: 'Kurzbeschreibung',
    m_longDescription: 'Beschreibung',
    m_features: 'Funktionen',
    m_url: 'Quellcode',
    m_landingURL: 'Website',
    m_softwareVersion: 'Softwareversion',
    m_releaseDate: 'Veröffentlichungsdatum',
    m_developmentStatus: 'Entwicklungsstand',
    m_softwareType: 'Art',
    m_platforms: 'Plattformen',
    m_categories: 'Kategorien',
    m_usedBy: 'Genutzt von',
    m_license: 'Lizenz',
    m_mainCopyrightOwner: 'Rechteinhaber',
    m_scope: 'Bereiche',
    m_audienceCountries: 'Länder',
    m_maintenance: 'Pflege',
    m_maintenanceType: 'Gepflegt durch',
    m_contacts: 'Ansprechpersonen',
    m_languages: 'Sprachen',
    m_transfer: 'Übernahme',
    m_prerequisites: 'Was Sie brauchen',
    m_effort: 'Aufwand',
    m_lessonsLearned: 'Erfahrungen',
    m_transferContact: 'Ansprechperson für Fragen',
    m_isBasedOn: 'Baut auf',
    m_fundedBy: 'Gefördert von',
    m_organisation: 'Organisation',
    m_title: 'Titel',
    m_publisher: 'Herausgeber',
    m_contactPoint: 'Kontakt',
    m_maintainer: 'Gepflegt von',
    m_theme: 'Themen',
    m_keywords: 'Schlagwörter',
    m_spatial: 'Gebiet',
    m_issued: 'Veröffentlicht',
    m_modified: 'Geändert',
    m_accrualPeriodicity: 'Aktualisierung',
    m_landingPage: 'Website',
    m_language: 'Sprachen',
    m_distributions: 'Dateien',
    m_format: 'Format',
    m_size: 'Größe',
    m_motto: 'Motto',
    m_summary: 'Zusammenfassung',
    m_programme: 'Programm',
    m_cohort: 'Staffel',
    m_role: 'Rolle',
    m_phase: 'Phase',
    m_cityCategory: 'Gemeindetyp',
    m_fieldsOfAction: 'Handlungsfelder',
    m_measures: 'Maßnahmen',
    m_solutions: 'Lösungen',
    m_datasets: 'Datensätze',
    m_partners: 'Partner',
    m_links: 'Links',
    m_period: 'Zeitraum',
    m_other: 'Weitere Angaben',
    theme_AGRI: 'Landwirtschaft, Fischerei, Forstwirtschaft und Nahrungsmittel',
    theme_ECON: 'Wirtschaft und Finanzen',
    theme_EDUC: 'Bildung, Kultur und Sport',
    theme_ENER: 'Energie',
    theme_ENVI: 'Umwelt',
    theme_GOVE: 'Regierung und öffentlicher Sektor',
    theme_HEAL: 'Gesundheit',
    theme_INTR: 'Internationale Themen',
    theme_JUST: 'Justiz, Rechtssystem und öffentliche Sicherheit',
    theme_REGI: 'Regionen und Städte',
    theme_SOCI: 'Bevölkerung und Gesellschaft',
    theme_TECH: 'Wissenschaft und Technologie',
    theme_TRAN: 'Verkehr',
  },
};

const FACETS = ['kind', 'theme', 'field', 'city', 'country', 'programme', 'license', 'status'];
const FACET_SHOWN = 8; // values of a facet shown before "Show all"
const PER_PAGE = 20;
const DEBOUNCE_MS = 200;

let lang = initialLang();

function initialLang() {
  try {
    const saved = localStorage.getItem('citynode-lang');
    if (saved && LABELS[saved]) return saved;
  } catch (e) {
    // storage may be disabled; fall back to the browser's language
  }
  return (navigator.language || 'en').toLowerCase().startsWith('de') ? 'de' : 'en';
}

// t('key', {n: 3}): the label in the current language with {n} filled in.
function t(key, vars) {
  let s = LABELS[lang][key];
  if (s === undefined) s = LABELS.en[key];
  if (s === undefined) return key;
  if (vars) s = s.replace(/\{(\w+)\}/g, (m, k) => (vars[k] === undefined ? m : String(vars[k])));
  return s;
}

// tNodes('key', {name: node}): like t(), but the values may be DOM nodes.
function tNodes(key, vars) {
  const s = LABELS[lang][key] ?? LABELS.en[key] ?? key;
  return s.split(/(\{\w+\})/).map((part) => {
    const m = /^\{(\w+)\}$/.exec(part);
    return m && vars[m[1]] !== undefined ? vars[m[1]] : part;
  });
}

// '1 item' / '3 items': the label key_one or key_other with {n}.
function plural(key, n) {
  return t(key + (n === 1 ? '_one' : '_other'), { n: Number(n).toLocaleString(lang) });
}

// The item counts of a node (NodeEntry.items).
function itemCountsText(c) {
  c = c || {};
  return t('itemCounts', {
    total: plural('n_items', c.total ?? 0),
    solution: plural('n_solutions', c.solution ?? 0),
    dataset: plural('n_datasets', c.dataset ?? 0),
    strategy: plural('n_strategies', c.strategy ?? 0),
  });
}

// A label if the table has one (kind_solution, status_beta ...), else the value itself.
function labelOr(prefix, value) {
  const key = prefix + value;
  return LABELS[lang][key] ?? LABELS.en[key] ?? value;
}

// ---- DOM helpers -------------------------------------------------------------

// h('a', {href, class, testid, onclick}, children...): strings become text nodes.
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  add(el, children);
  return el;
}

const SVG_NS = 'http://www.w3.org/2000/svg';
function svg(tag, attrs, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  setAttrs(el, attrs);
  add(el, children);
  return el;
}

function setAttrs(el, attrs) {
  if (!attrs) return;
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'testid') el.setAttribute('data-testid', v);
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
}

function add(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false || c === '') continue;
    el.append(c instanceof Node ? c : String(c));
  }
}

// An http(s) URL from a manifest, or null (no javascript:, data: ...).
function safeUrl(u) {
  if (typeof u !== 'string') return null;
  try {
    const url = new URL(u, location.href);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch (e) {
    return null;
  }
}

function extLink(u, text, attrs) {
  const href = safeUrl(u);
  if (!href) return text ?? u;
  return h('a', { href, rel: 'noopener noreferrer', ...attrs }, text ?? u);
}

// A link inside the page: a real href (open in a new tab works), followed
// with pushState by the click handler below.
function navLink(params, text, attrs) {
  return h('a', { href: urlFor(params), 'data-nav': true, ...attrs }, text);
}

function urlFor(params) {
  const p = params instanceof URLSearchParams ? params : new URLSearchParams(params);
  const s = p.toString();
  return s ? '/?' + s : '/';
}

function itemParams(node, item, version) {
  const p = { item: node + '/' + item };
  if (version) p.version = version;
  return p;
}

function shortId(id) {
  return typeof id === 'string' ? id.slice(0, 12) : '';
}

function isDate(s) {
  return typeof s === 'string' && /^\d{4}-\d{2}-\d{2}/.test(s);
}

function fmtDate(iso, withTime) {
  if (!iso) return null;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const opts = withTime ? { dateStyle: 'long', timeStyle: 'short' } : { dateStyle: 'long' };
  return new Intl.DateTimeFormat(lang === 'de' ? 'de-DE' : 'en-GB', opts).format(d);
}

function timeEl(iso, withTime, attrs) {
  if (!iso) return null;
  return h('time', { datetime: iso, title: iso, ...attrs }, fmtDate(iso, withTime));
}

function countryName(code) {
  if (!code) return null;
  try {
    const name = new Intl.DisplayNames([lang], { type: 'region' }).of(code);
    return name && name !== code ? `${name} (${code})` : code;
  } catch (e) {
    return code;
  }
}

// A facet value as people read it.
function facetValueLabel(facet, value, bucket) {
  if (facet === 'kind') return labelOr('kind_', value);
  if (facet === 'status') return labelOr('status_', value);
  if (facet === 'theme') {
    const l = bucket && bucket.label && (bucket.label[lang] || bucket.label.en);
    return l || labelOr('theme_', value);
  }
  if (facet === 'country') return countryName(value);
  return value;
}

function kindBadge(kind) {
  return h('span', { class: 'badge kind-' + kind, testid: 'kind-badge' }, labelOr('kind_', kind));
}

function withdrawnBadge() {
  return h('span', { class: 'badge withdrawn', testid: 'withdrawn-badge' }, t('withdrawn'));
}

const main = () => document.getElementById('main');
const announcer = () => document.getElementById('announcer');

function announce(text) {
  const a = announcer();
  if (!a) return;
  a.textContent = '';
  // a fresh text node after a tick so that screen readers read it again
  setTimeout(() => {
    a.textContent = text;
  }, 30);
}

// ---- API ----------------------------------------------------------------------

class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

async function api(path, signal) {
  let res;
  try {
    res = await fetch(path, { signal, headers: { Accept: 'application/json' } });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(0, t('errorNetwork'));
  }
  let body = null;
  try {
    body = await res.json();
  } catch (e) {
    if (e.name === 'AbortError') throw e;
  }
  if (!res.ok) {
    const msg = body && body.error && body.error.message ? body.error.message : `HTTP ${res.status}`;
    throw new ApiError(res.status, msg);
  }
  return body;
}

function errorBox(err) {
  const text = err.status === 404 ? t('notFound') : null;
  return h(
    'div',
    { class: 'error', role: 'alert', testid: 'error' },
    h('p', { class: 'error-title' }, t('errorTitle')),
    text ? h('p', null, text) : null,
    h('p', { class: 'error-detail' }, err.message),
  );
}

// ---- routing --------------------------------------------------------------------

let routeGen = 0; // bumped on every route(); stale answers are dropped
let searchView = null; // the mounted search page, kept while only its results change
let lastSearchUrl = '/';

function navigate(url, replace) {
  if (url === location.pathname + location.search && !replace) return;
  if (replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  route();
}

function route(fromHistory) {
  const gen = ++routeGen;
  const p = new URLSearchParams(location.search);
  document.documentElement.lang = lang;
  if (p.has('item')) {
    searchView = null;
    return showItem(gen, p);
  }
  if (p.has('node')) {
    searchView = null;
    return showNode(gen, p);
  }
  if (p.get('view') === 'nodes') {
    searchView = null;
    return showNodes(gen, p);
  }
  return showSearch(gen, p, fromHistory);
}

function setMain(...children) {
  const m = main();
  m.replaceChildren(...children.filter(Boolean));
}

function focusHeading() {
  const h1 = main().querySelector('h1');
  if (h1) {
    h1.setAttribute('tabindex', '-1');
    h1.focus({ preventScroll: true });
  }
  window.scrollTo(0, 0);
}

function setTitle(text) {
  document.title = text ? `${text} – ${t('brand')}` : t('brand');
}

function markCurrentNav(which) {
  for (const [id, name] of [
    ['nav-search', 'search'],
    ['nav-nodes', 'nodes'],
  ]) {
    const a = document.getElementById(id);
    if (a) {
      if (name === which) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
  }
}

// ---- search page ------------------------------------------------------------------

// The API query for the page's URL: the same parameters, checked.
function searchApiParams(p) {
  const a = new URLSearchParams();
  const q = (p.get('q') || '').trim();
  if (q) a.set('q', p.get('q'));
  for (const f of FACETS) for (const v of p.getAll(f)) a.append(f, v);
  for (const k of ['sort', 'withdrawn', 'node']) if (p.get(k)) a.set(k, p.get(k));
  const page = parseInt(p.get('page') || '1', 10);
  if (page > 1) a.set('page', String(page));
  a.set('per_page', String(PER_PAGE));
  return a;
}

function showSearch(gen, p, fromHistory) {
  markCurrentNav('search');
  if (!searchView) mountSearch(p);
  else syncSearchControls(p, fromHistory);
  setTitle(p.get('q') ? `${p.get('q')}` : null);
  lastSearchUrl = location.pathname + location.search;
  return runSearch(gen, p);
}

function mountSearch(p) {
  const input = h('input', {
    id: 'q',
    type: 'search',
    name: 'q',
    autocomplete: 'off',
    spellcheck: 'false',
    placeholder: t('searchPlaceholder'),
    maxlength: '256',
    'aria-describedby': 'search-intro',
    'aria-controls': 'results',
    testid: 'search-input',
  });
  input.value = p.get('q') || '';
  let timer = null;
  const commit = (replace) => {
    clearTimeout(timer);
    if (!searchView || searchView.input !== input) return; // the page was left meanwhile
    const np = new URLSearchParams(location.search);
    if (input.value.trim()) np.set('q', input.value);
    else np.delete('q');
    np.delete('page');
    navigate(urlFor(np), replace);
  };
  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => commit(true), DEBOUNCE_MS);
  });
  const form = h(
    'form',
    {
      role: 'search',
      class: 'searchform',
      testid: 'search-form',
      onsubmit: (e) => {
        e.preventDefault();
        commit(true);
      },
    },
    h('label', { for: 'q' }, t('searchLabel')),
    h('div', { class: 'searchrow' }, input, h('button', { type: 'submit', testid: 'search-button' }, t('searchButton'))),
  );

  const sort = h('select', { id: 'sort', testid: 'sort' });
  for (const v of ['relevance', 'recent', 'replications']) sort.append(h('option', { value: v }, t('sort_' + v)));
  sort.addEventListener('change', () => {
    const np = new URLSearchParams(location.search);
    np.set('sort', sort.value);
    np.delete('page');
    navigate(urlFor(np));
  });
  const hide = h('input', { type: 'checkbox', id: 'hide-withdrawn', testid: 'hide-withdrawn' });
  hide.addEventListener('change', () => {
    const np = new URLSearchParams(location.search);
    if (hide.checked) np.set('withdrawn', 'exclude');
    else np.delete('withdrawn');
    np.delete('page');
    navigate(urlFor(np));
  });

  const status = h('p', { id: 'result-status', class: 'status', role: 'status', 'aria-live': 'polite', testid: 'result-count' });
  const facets = h('div', { testid: 'facets', class: 'facet-list' });
  const active = h('div', { class: 'active-filters', testid: 'active-filters' });
  const results = h('ol', { id: 'results', class: 'results', testid: 'results', 'aria-labelledby': 'results-h' });
  const pager = h('nav', { class: 'pager', 'aria-label': t('pages'), testid: 'pager' });

  const view = h(
    'section',
    { class: 'search', testid: 'search-page' },
    h('h1', null, t('searchTitle')),
    h('p', { id: 'search-intro', class: 'intro' }, t('searchIntro')),
    form,
    h(
      'div',
      { class: 'layout' },
      h(
        'aside',
        { class: 'facets', 'aria-labelledby': 'facets-h' },
        h('h2', { id: 'facets-h', tabindex: '-1' }, t('filters')),
        h('p', { class: 'hint' }, t('filtersHint')),
        facets,
      ),
      h(
        'div',
        { class: 'results-col' },
        h('h2', { id: 'results-h', class: 'visually-hidden' }, t('resultsHeading')),
        h(
          'div',
          { class: 'toolbar' },
          status,
          h(
            'a',
            {
              href: '#facets-h',
              class: 'to-filters',
              testid: 'to-filters',
              onclick: (e) => {
                // no fragment in the URL (it would fire popstate): move focus instead
                e.preventDefault();
                const target = document.getElementById('facets-h');
                target.focus({ preventScroll: true });
                target.scrollIntoView();
              },
            },
            t('toFilters'),
          ),
          h(
            'div',
            { class: 'controls' },
            h('label', { for: 'sort' }, t('sortLabel')),
            sort,
            h('span', { class: 'check' }, hide, h('label', { for: 'hide-withdrawn' }, t('hideWithdrawn'))),
          ),
        ),
        active,
        results,
        pager,
      ),
    ),
  );
  searchView = { view, input, sort, hide, status, facets, active, results, pager, controller: null, expanded: new Set() };
  syncSearchControls(p, true);
  setMain(view);
  if (!p.get('q')) input.focus({ preventScroll: true });
}

function syncSearchControls(p, fromHistory) {
  const v = searchView;
  const q = p.get('q') || '';
  // while typing the box is ahead of the URL; after back/forward it follows it
  if (v.input.value !== q && (fromHistory || document.activeElement !== v.input)) v.input.value = q;
  v.sort.value = p.get('sort') || (q.trim() ? 'relevance' : 'recent');
  v.hide.checked = p.get('withdrawn') === 'exclude';
}

async function runSearch(gen, p) {
  const v = searchView;
  const apiParams = searchApiParams(p);
  const query = apiParams.toString();
  if (v.controller) v.controller.abort();
  const controller = new AbortController();
  v.controller = controller;
  v.results.setAttribute('aria-busy', 'true');
  v.view.setAttribute('data-state', 'loading');
  let doc;
  try {
    doc = await api('/api/v1/search?' + query, controller.signal);
  } catch (e) {
    if (e.name === 'AbortError' || gen !== routeGen) return;
    v.results.removeAttribute('aria-busy');
    v.results.replaceChildren();
    v.facets.replaceChildren();
    v.pager.replaceChildren();
    v.status.replaceChildren(errorBox(e));
    v.view.setAttribute('data-state', 'error');
    return;
  }
  if (gen !== routeGen || v !== searchView) return;
  renderResults(v, doc, p);
  v.results.removeAttribute('aria-busy');
  v.view.setAttribute('data-query', query);
  v.view.setAttribute('data-state', 'ready');
}

function countText(total) {
  return total === 0 ? t('resultsCount0') : total === 1 ? t('resultsCount1') : t('resultsCountN', { n: total.toLocaleString(lang) });
}

function renderResults(v, doc, p) {
  const q = (p.get('q') || '').trim();
  const count = countText(doc.total);
  v.status.textContent = q ? t('resultsFor', { count, q }) : count;

  // facets, keeping keyboard focus on the value just chosen
  const focused = document.activeElement;
  const refocus =
    focused && focused.dataset && focused.dataset.testid === 'facet-option'
      ? [focused.dataset.facet, focused.dataset.value]
      : null;
  v.facets.replaceChildren(...FACETS.map((f) => facetBox(v, f, doc.facets[f] || [], p)).filter(Boolean));
  if (refocus) {
    for (const b of v.facets.querySelectorAll('[data-testid="facet-option"]'))
      if (b.dataset.facet === refocus[0] && b.dataset.value === refocus[1]) b.focus();
  }

  // active filters
  const chips = [];
  for (const f of FACETS)
    for (const value of p.getAll(f)) {
      const label = `${t('facet_' + f)}: ${facetValueLabel(f, value, null)}`;
      chips.push(
        h(
          'button',
          {
            type: 'button',
            class: 'chip',
            testid: 'active-filter',
            'data-facet': f,
            'data-value': value,
            'aria-label': t('removeFilter', { facet: t('facet_' + f), value: facetValueLabel(f, value, null) }),
            onclick: () => toggleFilter(f, value),
          },
          label,
          h('span', { 'aria-hidden': 'true', class: 'x' }, ' ×'),
        ),
      );
    }
  if (chips.length) {
    const clear = h(
      'button',
      {
        type: 'button',
        class: 'linkish',
        testid: 'clear-filters',
        onclick: () => {
          const np = new URLSearchParams(location.search);
          for (const f of FACETS) np.delete(f);
          np.delete('page');
          navigate(urlFor(np));
        },
      },
      t('clearFilters'),
    );
    v.active.replaceChildren(h('span', { class: 'label' }, t('activeFilters')), ...chips, clear);
  } else {
    v.active.replaceChildren();
  }

  if (doc.results.length === 0) {
    v.results.replaceChildren(h('li', { class: 'empty', testid: 'no-results' }, t('noResultsHelp')));
  } else {
    v.results.replaceChildren(...doc.results.map((r) => hitEl(r, true)));
  }
  v.pager.replaceChildren(...pagerEls(doc, p));
}

function toggleFilter(facet, value) {
  const np = new URLSearchParams(location.search);
  const values = np.getAll(facet);
  np.delete(facet);
  const had = values.some((x) => x.toLowerCase() === value.toLowerCase());
  for (const x of values) if (x.toLowerCase() !== value.toLowerCase()) np.append(facet, x);
  if (!had) np.append(facet, value);
  np.delete('page');
  navigate(urlFor(np));
}

function facetBox(v, facet, buckets, p) {
  if (!buckets.length) return null;
  const expanded = v.expanded.has(facet);
  const shown = expanded ? buckets : buckets.slice(0, FACET_SHOWN);
  // selected values always visible
  for (const b of buckets) if (b.selected && !shown.includes(b)) shown.push(b);
  const id = 'facet-h-' + facet;
  const list = h(
    'ul',
    { 'aria-labelledby': id },
    shown.map((b) =>
      h(
        'li',
        null,
        h(
          'button',
          {
            type: 'button',
            class: 'facet-option' + (b.selected ? ' selected' : ''),
            'aria-pressed': b.selected ? 'true' : 'false',
            testid: 'facet-option',
            'data-facet': facet,
            'data-value': b.value,
            onclick: () => toggleFilter(facet, b.value),
          },
          h('span', { class: 'value' }, facetValueLabel(facet, b.value, b)),
          h('span', { class: 'count', testid: 'facet-count' }, String(b.count)),
        ),
      ),
    ),
  );
  let more = null;
  if (buckets.length > FACET_SHOWN) {
    more = h(
      'button',
      {
        type: 'button',
        class: 'linkish',
        'aria-expanded': expanded ? 'true' : 'false',
        onclick: () => {
          if (expanded) v.expanded.delete(facet);
          else v.expanded.add(facet);
          const nb = facetBox(v, facet, buckets, p);
          box.replaceWith(nb);
          nb.querySelector('.linkish')?.focus();
        },
      },
      expanded ? t('showFewer') : t('showAll', { n: buckets.length }),
    );
  }
  const box = h('section', { class: 'facet', testid: 'facet-' + facet }, h('h3', { id }, t('facet_' + facet)), list, more);
  return box;
}

function hitEl(r, showCity) {
  const meta = [kindBadge(r.kind)];
  if (r.withdrawn) meta.push(withdrawnBadge());
  if (showCity) meta.push(h('span', null, t('byLabel'), ' ', navLink({ node: r.node }, r.node_name, { testid: 'result-node' })));
  meta.push(h('span', null, t('version', { v: r.version })));
  if (r.updated) meta.push(h('span', null, t('updated', { date: fmtDate(r.updated) })));
  if (r.replications > 0)
    meta.push(
      h('span', { class: 'repl' }, r.replications === 1 ? t('replicated1') : t('replicatedN', { n: r.replications })),
    );
  return h(
    'li',
    { class: 'hit' + (r.withdrawn ? ' is-withdrawn' : ''), testid: 'result', 'data-node': r.node, 'data-item': r.item, 'data-kind': r.kind },
    h('h3', null, navLink(itemParams(r.node, r.item), r.title || r.item, { testid: 'result-link' })),
    h('p', { class: 'meta' }, meta),
    r.description ? h('p', { class: 'desc' }, r.description) : null,
  );
}

function pagerEls(doc, p) {
  if (!doc.pages || doc.pages <= 1) return [];
  const page = doc.page;
  const link = (n, text, rel, testid) => {
    const np = new URLSearchParams(p);
    if (n > 1) np.set('page', String(n));
    else np.delete('page');
    return navLink(np, text, { rel, testid });
  };
  return [
    page > 1 ? link(page - 1, t('prev'), 'prev', 'page-prev') : h('span', { class: 'disabled' }, t('prev')),
    h('span', { class: 'pageof', testid: 'page-of' }, t('pageOf', { page, pages: doc.pages })),
    page < doc.pages ? link(page + 1, t('next'), 'next', 'page-next') : h('span', { class: 'disabled' }, t('next')),
  ];
}

// ---- item page ----------------------------------------------------------------------

async function showItem(gen, p) {
  markCurrentNav(null);
  const ref = p.get('item') || '';
  const slash = ref.indexOf('/');
  const node = slash > 0 ? ref.slice(0, slash) : '';
  const item = slash > 0 ? ref.slice(slash + 1) : '';
  const version = p.get('version');
  setMain(h('p', { class: 'loading', role: 'status' }, t('loading')));
  if (!/^[0-9a-f]{8,64}$/.test(node) || !/^[a-z0-9][a-z0-9-]{0,62}$/.test(item)) {
    setMain(backLink(), errorBox(new ApiError(404, ref)));
    return;
  }
  const base = `/api/v1/items/${node}/${item}`;
  const itemQ = version ? base + '?' + new URLSearchParams({ version }) : base;
  let doc, graph, graphErr;
  try {
    const [d, g] = await Promise.allSettled([api(itemQ), api(`/api/v1/graph/${node}/${item}`)]);
    if (d.status === 'rejected') throw d.reason;
    doc = d.value;
    if (g.status === 'fulfilled') graph = g.value;
    else graphErr = g.reason;
  } catch (e) {
    if (gen !== routeGen) return;
    setMain(backLink(), errorBox(e));
    setTitle(null);
    return;
  }
  if (gen !== routeGen) return;
  setTitle(doc.title || doc.item);
  setMain(itemPage(doc, graph, graphErr));
  focusHeading();
}

function backLink() {
  return h('p', { class: 'crumbs' }, h('a', { href: lastSearchUrl, 'data-nav': true, testid: 'back-to-search' }, '← ', t('backToSearch')));
}

function itemPage(doc, graph, graphErr) {
  const v = doc.version;
  const nodeId = doc.node.id;
  const m = v.manifest || {};
  const notices = [];
  if (doc.withdrawn) notices.push(h('div', { class: 'notice warn', role: 'note', testid: 'item-withdrawn' }, t('itemWithdrawn')));
  if (v.withdrawn && !doc.withdrawn)
    notices.push(
      h(
        'div',
        { class: 'notice warn', role: 'note', testid: 'version-withdrawn' },
        v.withdrawn_at ? t('versionWithdrawn', { v: v.version, date: fmtDate(v.withdrawn_at) }) : t('versionWithdrawnNoDate', { v: v.version }),
        v.withdrawn_reason ? ' ' + t('reason', { r: v.withdrawn_reason }) : '',
      ),
    );
  if (v.version !== doc.latest)
    notices.push(
      h(
        'div',
        { class: 'notice', role: 'note', testid: 'older-version' },
        t('olderVersion', { v: v.version, latest: doc.latest }),
        ' ',
        navLink(itemParams(nodeId, doc.item), t('showLatest')),
      ),
    );
  const title = displayTitle(doc, m);
  return h(
    'article',
    { class: 'item', testid: 'item-page', 'data-node': nodeId, 'data-item': doc.item, 'data-version': v.version },
    backLink(),
    h('h1', { testid: 'item-title' }, title),
    h(
      'p',
      { class: 'meta' },
      kindBadge(doc.kind),
      doc.withdrawn ? withdrawnBadge() : null,
      h('span', null, t('publishedBy'), ' ', navLink({ node: nodeId }, doc.node.name, { testid: 'item-node' }), doc.node.country ? ` (${countryName(doc.node.country)})` : ''),
      h('span', { testid: 'item-version' }, t('version', { v: v.version })),
      doc.replications > 0 ? h('span', { class: 'repl' }, doc.replications === 1 ? t('replicated1') : t('replicatedN', { n: doc.replications })) : null,
    ),
    notices,
    trustSection(doc),
    h('section', { class: 'about', testid: 'manifest', 'aria-labelledby': 'about-h' }, h('h2', { id: 'about-h' }, t('about')), renderManifest(doc.kind, m, doc)),
    getSection(doc),
    versionsSection(doc),
    graphSection(doc, graph, graphErr),
    h(
      'details',
      { class: 'raw', testid: 'raw-json' },
      h('summary', null, t('rawJson')),
      h('pre', null, h('code', null, JSON.stringify(v.manifest, null, 2))),
    ),
  );
}

function displayTitle(doc, m) {
  if (doc.kind === 'solution' && m.description) {
    const d = pickLang(m.description);
    if (d && d.localisedName) return d.localisedName;
  }
  return doc.title || doc.item;
}

// A solution's description in the page's language, else English, German, the first.
function pickLang(descs) {
  if (!descs || typeof descs !== 'object') return null;
  return descs[lang] || descs.en || descs.de || Object.values(descs)[0] || null;
}

function signerText(signers, nodeName) {
  if (!signers || !signers.length) return null;
  return h(
    'span',
    { class: 'signer' },
    h('strong', { testid: 'signer-name' }, nodeName),
    ' (',
    signers.map((k, i) => [i ? ', ' : '', h('code', { testid: 'signer-key', title: k }, t('keyLabel', { k: shortId(k) }))]),
    ')',
  );
}

function trustSection(doc) {
  const v = doc.version;
  const signed = v.signers && v.signers.length;
  let line;
  if (!signed) {
    line = h('p', { class: 'trust-line bad', testid: 'signature-status', 'data-status': 'unsigned' }, '⚠ ', t('notSigned'));
  } else {
    const parts = tNodes(v.verified_at ? 'signedVerified' : 'signedNotVerified', {
      name: signerText(v.signers, doc.node.name),
      date: timeEl(v.verified_at, true, { testid: 'verified-at' }),
    });
    line = h(
      'p',
      { class: 'trust-line ' + (v.verified_at ? 'ok' : 'warn'), testid: 'signature-status', 'data-status': v.verified_at ? 'verified' : 'signed' },
      h('span', { 'aria-hidden': 'true', class: 'tick' }, v.verified_at ? '✓ ' : '• '),
      parts,
    );
  }
  const facts = dl([
    [t('signingKeys'), signed ? v.signers.map((k) => h('code', { class: 'keyid' }, k)) : null],
    [t('publishedOn'), timeEl(v.published, true)],
    [t('verifiedOn'), v.verified_at ? timeEl(v.verified_at, true) : t('notYet')],
    [t('gitTag'), v.tag ? [h('code', null, 'v' + v.version), ' ', h('code', { class: 'hash' }, shortId(v.tag))] : null],
    [t('commit'), v.commit ? h('code', { class: 'hash', title: v.commit }, shortId(v.commit)) : null],
  ]);
  return h(
    'section',
    { class: 'trust', testid: 'signature', 'aria-labelledby': 'trust-h' },
    h('h2', { id: 'trust-h' }, t('trustHeading')),
    line,
    h('p', { class: 'explain' }, doc.node.source === 'index' ? t('trustExplainIndex') : t('trustExplain')),
    facts,
  );
}

// dl([[term, value], ...]): rows with an empty value are left out.
function dl(rows, attrs) {
  const out = [];
  for (const [term, value] of rows) {
    if (isEmpty(value)) continue;
    out.push(h('dt', null, term), h('dd', null, value));
  }
  return out.length ? h('dl', { class: 'facts', ...attrs }, out) : null;
}

function isEmpty(v) {
  return v === null || v === undefined || v === '' || (Array.isArray(v) && v.every(isEmpty));
}

// A list of strings (or nodes) as a <ul>, a single one as text.
function list(values, map, cls) {
  if (!Array.isArray(values) || !values.length) return null;
  const items = values.map((x) => (map ? map(x) : typeof x === 'string' || typeof x === 'number' ? String(x) : JSON.stringify(x)));
  return h('ul', { class: cls || 'plain' }, items.map((x) => h('li', null, x)));
}

function inline(values, map) {
  if (!Array.isArray(values) || !values.length) return null;
  return values.map((x, i) => [i ? ', ' : '', map ? map(x) : String(x)]);
}

function paragraphs(text) {
  if (typeof text !== 'string' || !text.trim()) return null;
  return text
    .split(/\n\s*\n/)
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => h('p', null, s));
}

function contactEl(c) {
  if (!c || typeof c !== 'object') return null;
  const parts = [c.name];
  if (c.affiliation) parts.push(', ', c.affiliation);
  if (c.email) parts.push(' · ', h('a', { href: 'mailto:' + encodeURI(c.email) }, c.email));
  if (c.phone) parts.push(' · ', c.phone);
  if (c.url) parts.push(' · ', extLink(c.url));
  return h('span', null, parts);
}

function sameNodeItemLink(doc, id) {
  return navLink(itemParams(doc.node.id, id), id);
}

function renderManifest(kind, m, doc) {
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

function fmtBytes(n) {
  if (typeof n !== 'number') return null;
  const units = ['B', 'KB', 'MB', 'GB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${n.toLocaleString(lang, { maximumFractionDigits: i ? 1 : 0 })} ${units[i]}`;
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
      [t('m_solutions'), Array.isArray(m.solutions) ? list(m.solutions, (s) => sameNodeItemLink(doc, s)) : null],
      [t('m_datasets'), Array.isArray(m.datasets) ? list(m.datasets, (s) => sameNodeItemLink(doc, s)) : null],
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
                Array.isArray(x.solutions) && x.solutions.length ? h('p', { class: 'muted' }, t('m_solutions'), ': ', inline(x.solutions, (s) => sameNodeItemLink(doc, s))) : null,
                Array.isArray(x.datasets) && x.datasets.length ? h('p', { class: 'muted' }, t('m_datasets'), ': ', inline(x.datasets, (s) => sameNodeItemLink(doc, s))) : null,
              ),
            ),
          ),
        ]
      : null,
  ];
}

function copyBox(text, testid) {
  const code = h('code', { testid }, text);
  const msg = h('span', { class: 'copy-msg', role: 'status', 'aria-live': 'polite' });
  const button = h(
    'button',
    {
      type: 'button',
      class: 'copy',
      testid: 'copy-button',
      onclick: async () => {
        let ok = false;
        try {
          if (navigator.clipboard && window.isSecureContext) {
            await navigator.clipboard.writeText(text);
            ok = true;
          }
        } catch (e) {
          ok = false;
        }
        if (!ok) {
          const range = document.createRange();
          range.selectNodeContents(code);
          const sel = window.getSelection();
          sel.removeAllRanges();
          sel.addRange(range);
          try {
            ok = document.execCommand('copy');
          } catch (e) {
            ok = false;
          }
        }
        msg.textContent = ok ? t('copied') : t('copyFailed');
      },
    },
    t('copy'),
  );
  return h('div', { class: 'copybox' }, h('pre', null, code), button, msg);
}

function getSection(doc) {
  const v = doc.version;
  const n = doc.node.id;
  const enc = encodeURIComponent;
  const children = [h('h2', { id: 'get-h' }, t('getHeading'))];
  if (doc.git) {
    const dl = `/download/${n}/${enc(doc.item)}/${enc(v.version)}/`;
    const links = [
      h('li', null, h('a', { href: dl + 'files.zip', download: `${doc.item}-${v.version}.zip`, testid: 'download-zip' }, t('dlZip'))),
      h('li', null, h('a', { href: dl + 'manifest.json', download: `${doc.item}-${v.version}.manifest.json`, testid: 'download-manifest' }, t('dlManifest'))),
      h('li', null, h('a', { href: dl + 'full.bundle', download: `${doc.item}-${v.version}.bundle`, testid: 'download-bundle' }, t('dlBundle'))),
    ];
    if (doc.kind === 'solution')
      links.push(
        h(
          'li',
          null,
          h(
            'a',
            { href: `/api/v1/items/${n}/${enc(doc.item)}/publiccode.yml?version=${enc(v.version)}`, testid: 'download-publiccode' },
            t('dlPubliccode'),
          ),
        ),
      );
    children.push(h('p', null, t('downloadsIntro', { v: v.version })), h('ul', { class: 'downloads' }, links));
    children.push(h('p', null, t('cloneIntro')), copyBox(`git clone ${location.origin}${doc.git}`, 'git-clone'));
  } else {
    children.push(h('p', { testid: 'no-files' }, t('noFilesHere')));
  }
  return h('section', { class: 'get', testid: 'get', 'aria-labelledby': 'get-h' }, children);
}

function versionsSection(doc) {
  const rows = doc.versions.map((x) => {
    const isShown = x.version === doc.version.version;
    const status = x.withdrawn
      ? [withdrawnBadge(), x.withdrawn_at ? [' ', fmtDate(x.withdrawn_at)] : null, x.withdrawn_reason ? [' – ', x.withdrawn_reason] : null]
      : x.version === doc.latest
        ? t('current')
        : t('available');
    return h(
      'tr',
      { testid: 'version-row', 'data-version': x.version, class: (x.withdrawn ? 'is-withdrawn' : '') + (isShown ? ' shown' : ''), 'aria-current': isShown ? 'true' : null },
      h('th', { scope: 'row' }, isShown ? h('strong', null, x.version) : navLink(itemParams(doc.node.id, doc.item, x.version), x.version, { testid: 'version-link' })),
      h('td', null, timeEl(x.published) || '–'),
      h('td', null, x.signers && x.signers.length ? [doc.node.name, ' ', h('code', { class: 'keyid-short' }, shortId(x.signers[0]))] : '–'),
      h('td', null, x.verified_at ? timeEl(x.verified_at, true) : t('notYet')),
      h('td', null, status),
    );
  });
  return h(
    'section',
    { class: 'versions', testid: 'versions', 'aria-labelledby': 'versions-h' },
    h('h2', { id: 'versions-h' }, t('versionsHeading')),
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        null,
        h('thead', null, h('tr', null, ['colVersion', 'colPublished', 'colSigned', 'colVerified', 'colStatus'].map((k) => h('th', { scope: 'col' }, t(k))))),
        h('tbody', null, rows),
      ),
    ),
  );
}

// ---- replication graph ------------------------------------------------------------

function graphNodeLabel(n) {
  if (!n) return '?';
  if (n.type === 'external') return n.url || n.id.replace(/^url:/, '');
  if (n.type === 'node') return n.node_name || shortId(n.node);
  const who = n.node_name || shortId(n.node);
  return n.title ? `${n.title} (${who})` : `${n.item} (${who})`;
}

function graphNodeLink(n, attrs) {
  const text = graphNodeLabel(n);
  if (!n) return text;
  if (n.type === 'external') return extLink(n.url, text, attrs);
  if (n.type === 'node') return n.known ? navLink({ node: n.node }, text, attrs) : text;
  if (n.known) return navLink(itemParams(n.node, n.item), text, attrs);
  // an item the registry does not hold: link its node if that is known
  return h('span', null, n.item, ' ', h('span', { class: 'muted' }, t('unknownItem')), ' – ', navLink({ node: n.node }, n.node_name || shortId(n.node), attrs));
}

function graphSection(doc, graph, err) {
  const children = [h('h2', { id: 'graph-h' }, t('graphHeading')), h('p', { class: 'hint' }, t('graphIntro'))];
  if (err) {
    children.push(h('p', { class: 'notice warn', testid: 'graph-error' }, t('graphError', { msg: err.message })));
  } else if (!graph || !graph.edges.length) {
    children.push(h('p', { testid: 'graph-empty' }, t('graphNone')));
  } else {
    const byId = new Map(graph.nodes.map((n) => [n.id, n]));
    children.push(graphSvg(graph, byId));
    children.push(
      h(
        'ul',
        { class: 'edges', testid: 'graph-edges' },
        graph.edges.map((e) => {
          const vars = {
            to: graphNodeLink(byId.get(e.to), { testid: 'graph-link', 'data-role': 'to' }),
            from: graphNodeLink(byId.get(e.from), { testid: 'graph-link', 'data-role': 'from' }),
            v: e.version || '?',
            date: isDate(e.date) ? fmtDate(e.date) : isDate(e.verified_at) ? fmtDate(e.verified_at) : null,
          };
          const key = e.type !== 'replicates' ? 'edgeBasedOn' : !e.version ? 'edgeReplicatesAny' : vars.date ? 'edgeReplicatesOn' : 'edgeReplicates';
          return h(
            'li',
            { testid: 'graph-edge', 'data-type': e.type, 'data-from': e.from, 'data-to': e.to, class: e.withdrawn ? 'is-withdrawn' : null },
            tNodes(key, vars),
            e.withdrawn ? [' ', h('span', { class: 'badge withdrawn' }, t('edgeWithdrawn'))] : null,
          );
        }),
      ),
    );
    if (graph.truncated) children.push(h('p', { class: 'hint' }, t('graphTruncated')));
  }
  return h('section', { class: 'graph', testid: 'graph', 'aria-labelledby': 'graph-h' }, children);
}

// Layered drawing: originals to the left of the item, copies to the right.
function graphSvg(graph, byId) {
  const depth = new Map([[graph.root, 0]]);
  const queue = [graph.root];
  while (queue.length) {
    const id = queue.shift();
    const d = depth.get(id);
    for (const e of graph.edges) {
      if (e.from === id && !depth.has(e.to)) {
        depth.set(e.to, d + 1);
        queue.push(e.to);
      } else if (e.to === id && !depth.has(e.from)) {
        depth.set(e.from, d - 1);
        queue.push(e.from);
      }
    }
  }
  for (const n of graph.nodes) if (!depth.has(n.id)) depth.set(n.id, 0);
  const cols = new Map();
  for (const [id, d] of depth) {
    if (!cols.has(d)) cols.set(d, []);
    cols.get(d).push(id);
  }
  const ds = [...cols.keys()].sort((a, b) => a - b);
  const W = 220,
    H = 44,
    GX = 60,
    GY = 16,
    P = 8;
  const pos = new Map();
  const rows = Math.max(...[...cols.values()].map((c) => c.length));
  ds.forEach((d, ci) =>
    cols.get(d).forEach((id, ri) => {
      const offset = ((rows - cols.get(d).length) * (H + GY)) / 2;
      pos.set(id, { x: P + ci * (W + GX), y: P + offset + ri * (H + GY) });
    }),
  );
  const width = P * 2 + ds.length * W + (ds.length - 1) * GX;
  const height = P * 2 + rows * H + (rows - 1) * GY;
  const clip = (s, n) => (s.length > n ? s.slice(0, n - 1) + '…' : s);
  const edges = graph.edges
    .filter((e) => pos.has(e.from) && pos.has(e.to))
    .map((e) => {
      const a = pos.get(e.from),
        b = pos.get(e.to);
      const x1 = a.x + W,
        y1 = a.y + H / 2,
        x2 = b.x,
        y2 = b.y + H / 2;
      return svg('path', {
        d: `M${x1},${y1} C${x1 + GX / 2},${y1} ${x2 - GX / 2},${y2} ${x2 - 2},${y2}`,
        class: 'edge' + (e.withdrawn ? ' withdrawn' : '') + (e.type === 'isBasedOn' ? ' based' : ''),
        'marker-end': 'url(#arrow)',
      });
    });
  const boxes = [...pos].map(([id, p]) => {
    const n = byId.get(id) || { id, type: 'external', url: id };
    const top = n.type === 'node' ? n.node_name || shortId(n.node) : n.type === 'external' ? n.url || id : n.title || n.item || id;
    const bottom = n.type === 'item' ? n.node_name || shortId(n.node) : n.type === 'node' ? t('nodeHeading') : 'URL';
    const g = svg(
      'g',
      { class: 'gnode' + (id === graph.root ? ' root' : '') + (n.withdrawn ? ' withdrawn' : '') },
      svg('rect', { x: p.x, y: p.y, width: W, height: H, rx: 6 }),
      svg('text', { x: p.x + 10, y: p.y + 18, class: 'top' }, clip(String(top), 26)),
      svg('text', { x: p.x + 10, y: p.y + 35, class: 'bottom' }, clip(String(bottom), 30)),
      svg('title', null, graphNodeLabel(n)),
    );
    let href = null;
    if (id !== graph.root) {
      if (n.type === 'item' && n.known) href = urlFor(itemParams(n.node, n.item));
      else if ((n.type === 'node' || n.type === 'item') && n.node) href = urlFor({ node: n.node });
    }
    // the list below the drawing has the same links for keyboards and screen readers
    return href ? svg('a', { href, 'data-nav': true, tabindex: '-1' }, g) : g;
  });
  return h(
    'div',
    { class: 'graph-svg' },
    svg(
      'svg',
      { viewBox: `0 0 ${width} ${height}`, width, height, 'aria-hidden': 'true', focusable: 'false', testid: 'graph-svg' },
      svg('defs', null, svg('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' }, svg('path', { d: 'M0,0 L10,5 L0,10 z' }))),
      edges,
      boxes,
    ),
  );
}

// ---- node page ------------------------------------------------------------------------

async function showNode(gen, p) {
  markCurrentNav('nodes');
  const id = p.get('node') || '';
  setMain(h('p', { class: 'loading', role: 'status' }, t('loading')));
  if (!/^[0-9a-f]{8,64}$/.test(id)) {
    setMain(errorBox(new ApiError(404, id)));
    return;
  }
  const page = parseInt(p.get('page') || '1', 10);
  const sp = new URLSearchParams({ node: id, sort: 'recent', per_page: String(PER_PAGE) });
  if (page > 1) sp.set('page', String(page));
  let node, items;
  try {
    [node, items] = await Promise.all([api(`/api/v1/nodes/${id}`), api('/api/v1/search?' + sp)]);
  } catch (e) {
    if (gen !== routeGen) return;
    setMain(errorBox(e));
    return;
  }
  if (gen !== routeGen) return;
  setTitle(node.name);
  setMain(nodePage(node, items, p));
  focusHeading();
}

function nodePage(node, items, p) {
  const pr = node.profile || {};
  const c = node.items || {};
  const counts = itemCountsText(c);
  const contact = pr.contact && typeof pr.contact === 'object' ? contactEl(pr.contact) : null;
  return h(
    'article',
    { class: 'node', testid: 'node-page', 'data-node': node.id },
    h('p', { class: 'crumbs' }, navLink({ view: 'nodes' }, ['← ', t('nodesTitle')])),
    h('h1', { testid: 'node-name' }, node.name),
    h('p', { class: 'meta' }, h('span', { class: 'badge source-' + node.source, testid: 'node-source' }, t('source_' + node.source)), node.country ? h('span', null, countryName(node.country)) : null),
    h('p', { class: 'explain' }, t('nodeSource_' + node.source), node.verified_at ? [' ', t('nodeVerified', { date: fmtDate(node.verified_at, true) })] : null),
    pr.description ? h('p', null, pr.description) : null,
    dl([
      [t('website'), node.url ? extLink(node.url) : null],
      [t('country'), countryName(node.country)],
      [t('code'), node.code],
      [t('programmes'), list(node.programmes)],
      [t('roles'), inline(pr.roles)],
      [t('contact'), contact],
      [t('email'), pr.email ? h('a', { href: 'mailto:' + encodeURI(pr.email) }, pr.email) : null],
      [t('nodeId'), h('code', { class: 'hash', testid: 'node-id' }, node.id)],
    ]),
    replicatedSection(node),
    h(
      'section',
      { 'aria-labelledby': 'node-items-h', testid: 'node-items' },
      h('h2', { id: 'node-items-h' }, t('itemsHeading')),
      h('p', { class: 'muted' }, counts, c.withdrawn ? ` (${t('withdrawnCount', { n: c.withdrawn })})` : ''),
      items.results.length ? h('ol', { class: 'results' }, items.results.map((r) => hitEl(r, false))) : h('p', null, t('resultsCount0')),
      h('nav', { class: 'pager', 'aria-label': t('pages') }, pagerEls(items, p)),
    ),
  );
}

// What the node replicated from other cities (its signed attestations).
function replicatedSection(node) {
  const reps = Array.isArray(node.replicated) ? node.replicated : [];
  if (!reps.length) return null;
  return h(
    'section',
    { 'aria-labelledby': 'node-replicated-h', testid: 'node-replicated' },
    h('h2', { id: 'node-replicated-h' }, t('replicatedHeading')),
    h('p', { class: 'muted' }, t('replicatedIntro')),
    h(
      'ul',
      { class: 'replicated' },
      reps.map((r) =>
        h(
          'li',
          { testid: 'replicated-entry', 'data-item': `${r.node}/${r.item}` },
          navLink(itemParams(r.node, r.item, r.version), r.title || r.item, { testid: 'replicated-link' }),
          ' ',
          t('replicatedFrom', { v: r.version, city: r.node_name || shortId(r.node) }),
          isDate(r.date) ? [' ', t('replicatedOn', { date: fmtDate(r.date) })] : null,
          r.withdrawn ? [' ', withdrawnBadge()] : null,
        ),
      ),
    ),
  );
}

// ---- directory of nodes -----------------------------------------------------------------

async function showNodes(gen, p) {
  markCurrentNav('nodes');
  const existing = main().querySelector('[data-testid="nodes-page"]');
  let view = existing && existing._view;
  if (!view) {
    const input = h('input', { id: 'node-filter', type: 'search', autocomplete: 'off', maxlength: '256', testid: 'node-filter' });
    input.value = p.get('q') || '';
    let timer = null;
    input.addEventListener('input', () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        if (!input.isConnected) return; // the page was left meanwhile
        const np = new URLSearchParams({ view: 'nodes' });
        if (input.value.trim()) np.set('q', input.value);
        navigate(urlFor(np), true);
      }, DEBOUNCE_MS);
    });
    const status = h('p', { class: 'status', role: 'status', 'aria-live': 'polite', testid: 'nodes-count' });
    const listEl = h('ul', { class: 'nodes', testid: 'nodes' });
    const pager = h('nav', { class: 'pager', 'aria-label': t('pages') });
    const el = h(
      'section',
      { testid: 'nodes-page' },
      h('h1', null, t('nodesTitle')),
      h('p', { class: 'intro' }, t('nodesIntro')),
      h('div', { class: 'searchform' }, h('label', { for: 'node-filter' }, t('nodesFilter')), input),
      status,
      listEl,
      pager,
    );
    view = { input, status, listEl, pager };
    el._view = view;
    setMain(el);
    setTitle(t('nodesTitle'));
    focusHeading();
  }
  const sp = new URLSearchParams({ per_page: '50' });
  if ((p.get('q') || '').trim()) sp.set('q', p.get('q').trim());
  const page = parseInt(p.get('page') || '1', 10);
  if (page > 1) sp.set('page', String(page));
  let doc;
  try {
    doc = await api('/api/v1/nodes?' + sp);
  } catch (e) {
    if (gen !== routeGen) return;
    view.status.replaceChildren(errorBox(e));
    return;
  }
  if (gen !== routeGen) return;
  view.status.textContent = doc.total === 0 ? t('nodesCount0') : doc.total === 1 ? t('nodesCount1') : t('nodesCountN', { n: doc.total });
  view.listEl.replaceChildren(
    ...doc.nodes.map((n) =>
      h(
        'li',
        { testid: 'node-entry', 'data-node': n.id },
        h('h2', null, navLink({ node: n.id }, n.name, { testid: 'node-link' })),
        h(
          'p',
          { class: 'meta' },
          h('span', { class: 'badge source-' + n.source }, t('source_' + n.source)),
          n.country ? h('span', null, countryName(n.country)) : null,
          h('span', null, itemCountsText(n.items)),
        ),
        n.programmes && n.programmes.length ? h('p', { class: 'muted' }, n.programmes.join(' · ')) : null,
      ),
    ),
  );
  view.pager.replaceChildren(...pagerEls(doc, p));
}

// ---- page frame ------------------------------------------------------------------------

function applyFrameLabels() {
  document.documentElement.lang = lang;
  const set = (id, text) => {
    const el = document.getElementById(id);
    if (el) el.textContent = text;
  };
  set('nav-search', t('navSearch'));
  set('nav-nodes', t('navNodes'));
  set('brand-name', t('brand'));
  const skip = document.querySelector('.skip');
  if (skip) skip.textContent = t('skip');
  const nav = document.getElementById('site-nav');
  if (nav) nav.setAttribute('aria-label', t('navLabel'));
  const sw = document.getElementById('lang-switch');
  if (sw) {
    sw.textContent = t('switchTo');
    sw.setAttribute('aria-label', t('switchToLabel'));
    sw.setAttribute('lang', lang === 'de' ? 'en' : 'de');
  }
  const footer = document.getElementById('footer-text');
  if (footer) {
    footer.replaceChildren(
      keeper ? navLink({ node: keeper.id }, t('keptBy', { name: keeper.name }), { testid: 'keeper' }) : '',
      keeper ? ' ' : '',
      t('footer'),
      h('a', { href: '/api/v1/search' }, '/api/v1/search'),
    );
  }
}

// The node that keeps this registry (GET /api/v1/), named in the footer.
let keeper = null;
async function loadKeeper() {
  try {
    const doc = await api('/api/v1/');
    if (doc && doc.node && typeof doc.node.id === 'string' && typeof doc.node.name === 'string') {
      keeper = { id: doc.node.id, name: doc.node.name };
      applyFrameLabels();
    }
  } catch (e) {
    // an older node without /api/v1/: the footer stays generic
  }
}

function init() {
  if (!document.getElementById('announcer')) {
    document.body.append(h('div', { id: 'announcer', class: 'visually-hidden', 'aria-live': 'polite' }));
  }
  document.getElementById('boot')?.remove();
  applyFrameLabels();
  document.getElementById('lang-switch')?.addEventListener('click', () => {
    lang = lang === 'de' ? 'en' : 'de';
    try {
      localStorage.setItem('citynode-lang', lang);
    } catch (e) {
      // not remembered; fine
    }
    applyFrameLabels();
    searchView = null;
    const m = main().querySelector('[data-testid="nodes-page"]');
    if (m) m._view = null;
    route();
    announce(t('langName'));
  });
  // links inside the page: history.pushState instead of a page load
  document.addEventListener('click', (e) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    const a = e.target.closest && e.target.closest('a[data-nav]');
    if (!a) return;
    const href = a.getAttribute('href');
    if (!href || !href.startsWith('/')) return;
    e.preventDefault();
    if (href === '/' || href.startsWith('/?')) {
      if (a.closest('header')) searchView = null; // the brand / nav: a fresh page
      navigate(href);
    } else {
      location.href = href;
    }
  });
  window.addEventListener('popstate', () => route(true));
  route();
  loadKeeper();
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
else init();
