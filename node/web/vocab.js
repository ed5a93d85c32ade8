// vocab.js - the coded values of manifests and profiles in words, in the
// page's language (German or English): licences (SPDX ids and expressions,
// DCAT-AP.de licence IRIs), EU data themes, publiccode.yml categories,
// scopes, software types, platforms, maintenance types and development
// statuses, languages, update frequencies, file formats, node and strategy
// roles, phases, measure states and city categories.
//
// word(kind, code) gives the words as a string, wordEl(kind, code) a <span>
// whose parts carry a lang attribute where their words are in another
// language than the page (a licence's official English name on a German
// page). A code without words comes back as it was written. The tables cover
// every value the schemas' enums allow (tests/web/vocab.test.mjs checks it).

import { lang } from './labels.js';

// [English, German] per code, per kind.
const TABLES = {
  theme: {
    AGRI: ['Agriculture, fisheries, forestry and food', 'Landwirtschaft, Fischerei, Forstwirtschaft und Nahrungsmittel'],
    ECON: ['Economy and finance', 'Wirtschaft und Finanzen'],
    EDUC: ['Education, culture and sport', 'Bildung, Kultur und Sport'],
    ENER: ['Energy', 'Energie'],
    ENVI: ['Environment', 'Umwelt'],
    GOVE: ['Government and public sector', 'Regierung und öffentlicher Sektor'],
    HEAL: ['Health', 'Gesundheit'],
    INTR: ['International issues', 'Internationale Themen'],
    JUST: ['Justice, legal system and public safety', 'Justiz, Rechtssystem und öffentliche Sicherheit'],
    REGI: ['Regions and cities', 'Regionen und Städte'],
    SOCI: ['Population and society', 'Bevölkerung und Gesellschaft'],
    TECH: ['Science and technology', 'Wissenschaft und Technologie'],
    TRAN: ['Transport', 'Verkehr'],
  },

  // publiccode.yml's categories list (docs/standard/categories-list.rst)
  category: {
    accounting: ['Accounting', 'Buchhaltung'],
    'agile-project-management': ['Agile project management', 'Agiles Projektmanagement'],
    'applicant-tracking': ['Applicant tracking', 'Bewerbermanagement'],
    'application-development': ['Application development', 'Anwendungsentwicklung'],
    'appointment-scheduling': ['Appointment scheduling', 'Terminvereinbarung'],
    backup: ['Backup', 'Datensicherung'],
    'billing-and-invoicing': ['Billing and invoicing', 'Abrechnung und Rechnungsstellung'],
    blog: ['Blog', 'Blog'],
    budgeting: ['Budgeting', 'Haushaltsplanung'],
    'business-intelligence': ['Business intelligence', 'Business Intelligence'],
    'business-process-management': ['Business process management', 'Geschäftsprozessmanagement'],
    cad: ['CAD (computer-aided design)', 'CAD (rechnergestütztes Konstruieren)'],
    'call-center-management': ['Call centre management', 'Callcenter-Management'],
    'cloud-management': ['Cloud management', 'Cloud-Verwaltung'],
    collaboration: ['Collaboration', 'Zusammenarbeit'],
    communications: ['Communications', 'Kommunikation'],
    'compliance-management': ['Compliance management', 'Compliance-Management'],
    'contact-management': ['Contact management', 'Kontaktverwaltung'],
    'content-management': ['Content management', 'Content-Management'],
    crm: ['Customer relationship management (CRM)', 'Kundenbeziehungsmanagement (CRM)'],
    'customer-service-and-support': ['Customer service and support', 'Kundendienst und Support'],
    'data-analytics': ['Data analytics', 'Datenanalyse'],
    'data-collection': ['Data collection', 'Datenerhebung'],
    'data-visualization': ['Data visualisation', 'Datenvisualisierung'],
    design: ['Design', 'Gestaltung'],
    'design-system': ['Design system', 'Designsystem'],
    'digital-asset-management': ['Digital asset management', 'Verwaltung digitaler Medien'],
    'digital-citizenship': ['Digital citizenship', 'Digitale Bürgerbeteiligung'],
    'document-management': ['Document management', 'Dokumentenmanagement'],
    'donor-management': ['Donor management', 'Spenderverwaltung'],
    'e-commerce': ['E-commerce', 'Onlinehandel'],
    'e-signature': ['Electronic signature', 'Elektronische Signatur'],
    'educational-content': ['Educational content', 'Lerninhalte'],
    'email-management': ['E-mail management', 'E-Mail-Verwaltung'],
    'email-marketing': ['E-mail marketing', 'E-Mail-Marketing'],
    'employee-management': ['Employee management', 'Personalverwaltung'],
    'enterprise-project-management': ['Enterprise project management', 'Unternehmensweites Projektmanagement'],
    'enterprise-social-networking': ['Enterprise social networking', 'Soziales Netzwerk im Unternehmen'],
    erp: ['Enterprise resource planning (ERP)', 'Ressourcenplanung (ERP)'],
    'event-management': ['Event management', 'Veranstaltungsmanagement'],
    'facility-management': ['Facility management', 'Gebäudemanagement'],
    'feedback-and-reviews-management': ['Feedback and reviews management', 'Verwaltung von Rückmeldungen und Bewertungen'],
    'financial-reporting': ['Financial reporting', 'Finanzberichterstattung'],
    'fleet-management': ['Fleet management', 'Fuhrparkmanagement'],
    fundraising: ['Fundraising', 'Spendensammlung'],
    gamification: ['Gamification', 'Gamifizierung'],
    'geographic-information-systems': ['Geographic information systems', 'Geoinformationssysteme'],
    'grant-management': ['Grant management', 'Fördermittelverwaltung'],
    'graphic-design': ['Graphic design', 'Grafikdesign'],
    'help-desk': ['Help desk', 'Helpdesk'],
    hr: ['Human resources', 'Personalwesen'],
    ide: ['Integrated development environment (IDE)', 'Integrierte Entwicklungsumgebung (IDE)'],
    'identity-management': ['Identity management', 'Identitätsmanagement'],
    'instant-messaging': ['Instant messaging', 'Sofortnachrichten'],
    'integrated-library-system': ['Integrated library system', 'Bibliotheksverwaltung'],
    'inventory-management': ['Inventory management', 'Bestandsverwaltung'],
    'it-asset-management': ['IT asset management', 'IT-Inventarverwaltung'],
    'it-development': ['IT development', 'IT-Entwicklung'],
    'it-management': ['IT management', 'IT-Management'],
    'it-security': ['IT security', 'IT-Sicherheit'],
    'it-service-management': ['IT service management', 'IT-Service-Management'],
    'knowledge-management': ['Knowledge management', 'Wissensmanagement'],
    'learning-management-system': ['Learning management system', 'Lernplattform'],
    marketing: ['Marketing', 'Marketing'],
    'mind-mapping': ['Mind mapping', 'Mindmapping'],
    'mobile-marketing': ['Mobile marketing', 'Mobiles Marketing'],
    'mobile-payment': ['Mobile payment', 'Mobiles Bezahlen'],
    'network-management': ['Network management', 'Netzwerkverwaltung'],
    office: ['Office', 'Büroanwendungen'],
    'online-booking': ['Online booking', 'Onlinebuchung'],
    'online-community': ['Online community', 'Online-Gemeinschaft'],
    'payment-gateway': ['Payment gateway', 'Zahlungsabwicklung'],
    payroll: ['Payroll', 'Lohn- und Gehaltsabrechnung'],
    'predictive-analysis': ['Predictive analysis', 'Vorhersageanalyse'],
    procurement: ['Procurement', 'Beschaffung'],
    'productivity-suite': ['Productivity suite', 'Büro-Software-Paket'],
    'project-collaboration': ['Project collaboration', 'Projektzusammenarbeit'],
    'project-management': ['Project management', 'Projektmanagement'],
    'property-management': ['Property management', 'Liegenschaftsverwaltung'],
    'real-estate-management': ['Real estate management', 'Immobilienverwaltung'],
    'regulations-and-directives': ['Regulations and directives', 'Vorschriften und Richtlinien'],
    'remote-support': ['Remote support', 'Fernwartung'],
    'resource-management': ['Resource management', 'Ressourcenverwaltung'],
    'sales-management': ['Sales management', 'Vertriebsmanagement'],
    seo: ['Search engine optimisation (SEO)', 'Suchmaschinenoptimierung (SEO)'],
    'service-desk': ['Service desk', 'Servicedesk'],
    'social-media-management': ['Social media management', 'Social-Media-Verwaltung'],
    survey: ['Survey', 'Umfragen'],
    'talent-management': ['Talent management', 'Talentmanagement'],
    'task-management': ['Task management', 'Aufgabenverwaltung'],
    'taxes-management': ['Tax management', 'Steuerverwaltung'],
    'test-management': ['Test management', 'Testmanagement'],
    'time-management': ['Time management', 'Zeitmanagement'],
    'time-tracking': ['Time tracking', 'Zeiterfassung'],
    translation: ['Translation', 'Übersetzung'],
    'video-conferencing': ['Video conferencing', 'Videokonferenzen'],
    'video-editing': ['Video editing', 'Videobearbeitung'],
    'visitor-management': ['Visitor management', 'Besucherverwaltung'],
    voip: ['Internet telephony (VoIP)', 'Internettelefonie (VoIP)'],
    'warehouse-management': ['Warehouse management', 'Lagerverwaltung'],
    'web-collaboration': ['Web collaboration', 'Zusammenarbeit im Web'],
    'web-conferencing': ['Web conferencing', 'Webkonferenzen'],
    whistleblowing: ['Whistleblowing', 'Hinweisgebersystem'],
    'website-builder': ['Website builder', 'Baukasten für Websites'],
    'workflow-management': ['Workflow management', 'Workflow-Management'],
    other: ['Other', 'Sonstiges'],
  },

  // publiccode.yml's scope list (docs/standard/scope-list.rst)
  scope: {
    agriculture: ['Agriculture', 'Landwirtschaft'],
    culture: ['Culture', 'Kultur'],
    defence: ['Defence', 'Verteidigung'],
    education: ['Education', 'Bildung'],
    'emergency-services': ['Emergency services', 'Notfall- und Rettungsdienste'],
    employment: ['Employment', 'Beschäftigung'],
    energy: ['Energy', 'Energie'],
    environment: ['Environment', 'Umwelt'],
    'finance-and-economic-development': ['Finance and economic development', 'Finanzen und Wirtschaftsförderung'],
    'foreign-affairs': ['Foreign affairs', 'Auswärtige Angelegenheiten'],
    government: ['Government', 'Regierung und Verwaltung'],
    healthcare: ['Healthcare', 'Gesundheitswesen'],
    infrastructures: ['Infrastructure', 'Infrastruktur'],
    justice: ['Justice', 'Justiz'],
    'local-authorities': ['Local authorities', 'Kommunalverwaltung'],
    manufacturing: ['Manufacturing', 'Industrie und Fertigung'],
    research: ['Research', 'Forschung'],
    'science-and-technology': ['Science and technology', 'Wissenschaft und Technik'],
    security: ['Security', 'Sicherheit'],
    society: ['Society', 'Gesellschaft'],
    sport: ['Sport', 'Sport'],
    tourism: ['Tourism', 'Tourismus'],
    transportation: ['Transport', 'Verkehr'],
    welfare: ['Welfare', 'Soziales'],
  },

  softwareType: {
    'standalone/mobile': ['Stand-alone mobile app', 'Eigenständige mobile App'],
    'standalone/iot': ['Stand-alone Internet of Things application', 'Eigenständige Anwendung für das Internet der Dinge'],
    'standalone/desktop': ['Stand-alone desktop application', 'Eigenständige Desktop-Anwendung'],
    'standalone/web': ['Stand-alone web application', 'Eigenständige Webanwendung'],
    'standalone/backend': ['Stand-alone back-end service', 'Eigenständiger Hintergrunddienst (Backend)'],
    'standalone/other': ['Stand-alone software of another kind', 'Eigenständige Software anderer Art'],
    addon: ['Add-on to other software', 'Erweiterung für andere Software'],
    library: ['Software library', 'Programmbibliothek'],
    configurationFiles: ['Configuration files and documents to adapt', 'Konfigurationsdateien und Vorlagen zum Anpassen'],
  },

  // publiccode.yml names these; any other platform is shown as written
  platform: {
    web: ['Web browser', 'Webbrowser'],
    windows: ['Windows', 'Windows'],
    mac: ['macOS', 'macOS'],
    linux: ['Linux', 'Linux'],
    ios: ['iOS', 'iOS'],
    android: ['Android', 'Android'],
    other: ['Other', 'Sonstige'],
  },

  maintenance: {
    internal: ['Internal (by the publishing organisation)', 'Intern (durch die veröffentlichende Organisation)'],
    contract: ['Under contract (by a contractor)', 'Vertraglich (durch einen beauftragten Dienstleister)'],
    community: ['By a community', 'Durch eine Community'],
    none: ['Not maintained', 'Nicht gepflegt'],
  },

  developmentStatus: {
    concept: ['Concept', 'Konzept'],
    development: ['In development', 'In Entwicklung'],
    beta: ['Beta', 'Beta'],
    stable: ['Stable', 'Stabil'],
    obsolete: ['Obsolete', 'Veraltet'],
  },

  // the schema's accrualPeriodicity values and the EU frequency table's codes
  frequency: {
    continuous: ['Continuously', 'Kontinuierlich'],
    daily: ['Daily', 'Täglich'],
    weekly: ['Weekly', 'Wöchentlich'],
    monthly: ['Monthly', 'Monatlich'],
    quarterly: ['Quarterly', 'Vierteljährlich'],
    annual: ['Annually', 'Jährlich'],
    irregular: ['Irregularly', 'Unregelmäßig'],
    never: ['Never (not updated)', 'Nie (wird nicht aktualisiert)'],
    CONT: ['Continuously', 'Kontinuierlich'],
    UPDATE_CONT: ['Continuously updated', 'Laufend aktualisiert'],
    '1MIN': ['Every minute', 'Jede Minute'],
    '5MIN': ['Every five minutes', 'Alle fünf Minuten'],
    '10MIN': ['Every ten minutes', 'Alle zehn Minuten'],
    '15MIN': ['Every fifteen minutes', 'Alle fünfzehn Minuten'],
    '30MIN': ['Every thirty minutes', 'Alle dreißig Minuten'],
    HOURLY: ['Hourly', 'Stündlich'],
    BIHOURLY: ['Every two hours', 'Alle zwei Stunden'],
    TRIHOURLY: ['Every three hours', 'Alle drei Stunden'],
    '12HRS': ['Every twelve hours', 'Alle zwölf Stunden'],
    DAILY: ['Daily', 'Täglich'],
    DAILY_2: ['Twice a day', 'Zweimal täglich'],
    WEEKLY: ['Weekly', 'Wöchentlich'],
    WEEKLY_2: ['Twice a week', 'Zweimal wöchentlich'],
    WEEKLY_3: ['Three times a week', 'Dreimal wöchentlich'],
    BIWEEKLY: ['Every two weeks', 'Alle zwei Wochen'],
    MONTHLY: ['Monthly', 'Monatlich'],
    MONTHLY_2: ['Twice a month', 'Zweimal monatlich'],
    MONTHLY_3: ['Three times a month', 'Dreimal monatlich'],
    BIMONTHLY: ['Every two months', 'Alle zwei Monate'],
    QUARTERLY: ['Quarterly', 'Vierteljährlich'],
    ANNUAL: ['Annually', 'Jährlich'],
    ANNUAL_2: ['Twice a year', 'Halbjährlich'],
    ANNUAL_3: ['Three times a year', 'Dreimal jährlich'],
    BIENNIAL: ['Every two years', 'Alle zwei Jahre'],
    TRIENNIAL: ['Every three years', 'Alle drei Jahre'],
    QUADRENNIAL: ['Every four years', 'Alle vier Jahre'],
    QUINQUENNIAL: ['Every five years', 'Alle fünf Jahre'],
    DECENNIAL: ['Every ten years', 'Alle zehn Jahre'],
    BIDECENNIAL: ['Every twenty years', 'Alle zwanzig Jahre'],
    TRIDECENNIAL: ['Every thirty years', 'Alle dreißig Jahre'],
    IRREG: ['Irregularly', 'Unregelmäßig'],
    NEVER: ['Never (not updated)', 'Nie (wird nicht aktualisiert)'],
    OTHER: ['Other', 'Sonstige'],
    UNKNOWN: ['Unknown', 'Unbekannt'],
  },

  // node profiles' roles and a strategy's role
  role: {
    lighthouse: ['Lighthouse city', 'Leuchtturmstadt'],
    follower: ['Follower city', 'Folgestadt (Follower)'],
    'model-project': ['Smart city model project', 'Modellprojekt Smart City'],
    coordinator: ['Coordinator', 'Koordination'],
    partner: ['Partner', 'Partner'],
    observer: ['Observer', 'Beobachtung'],
  },

  phase: {
    strategy: ['Developing the strategy', 'Strategieentwicklung'],
    implementation: ['Implementation', 'Umsetzung'],
    evaluation: ['Evaluation', 'Evaluation'],
    completed: ['Completed', 'Abgeschlossen'],
  },

  measureStatus: {
    planned: ['Planned', 'Geplant'],
    'in-progress': ['In progress', 'In Umsetzung'],
    done: ['Done', 'Umgesetzt'],
    withdrawn: ['Withdrawn', 'Zurückgezogen'],
  },
};

// File formats as manifests write them (case-insensitive), with what they hold.
const FORMATS = {
  CSV: ['comma-separated table', 'Tabelle, kommagetrennt'],
  TSV: ['tab-separated table', 'Tabelle, tabulatorgetrennt'],
  JSON: ['structured data', 'strukturierte Daten'],
  GEOJSON: ['geodata in JSON', 'Geodaten in JSON'],
  'JSON-LD': ['linked data in JSON', 'verknüpfte Daten in JSON'],
  JSONLD: ['linked data in JSON', 'verknüpfte Daten in JSON'],
  XML: ['structured data', 'strukturierte Daten'],
  RDF: ['linked data', 'verknüpfte Daten'],
  'RDF/XML': ['linked data in XML', 'verknüpfte Daten in XML'],
  TTL: ['linked data, Turtle', 'verknüpfte Daten, Turtle'],
  TURTLE: ['linked data, Turtle', 'verknüpfte Daten, Turtle'],
  'N-TRIPLES': ['linked data, N-Triples', 'verknüpfte Daten, N-Triples'],
  PDF: ['document', 'Dokument'],
  ZIP: ['compressed archive', 'komprimiertes Archiv'],
  XLSX: ['Excel spreadsheet', 'Excel-Tabelle'],
  XLS: ['Excel spreadsheet, old format', 'Excel-Tabelle, altes Format'],
  ODS: ['OpenDocument spreadsheet', 'OpenDocument-Tabelle'],
  DOCX: ['Word document', 'Word-Dokument'],
  ODT: ['OpenDocument text', 'OpenDocument-Text'],
  TXT: ['plain text', 'reiner Text'],
  MD: ['Markdown text', 'Markdown-Text'],
  MARKDOWN: ['Markdown text', 'Markdown-Text'],
  HTML: ['web page', 'Webseite'],
  SHP: ['Shapefile geodata', 'Geodaten als Shapefile'],
  KML: ['geodata for maps', 'Geodaten für Karten'],
  KMZ: ['geodata for maps, compressed', 'Geodaten für Karten, komprimiert'],
  GML: ['geodata in XML', 'Geodaten in XML'],
  GPKG: ['GeoPackage geodata', 'Geodaten als GeoPackage'],
  WMS: ['web map service', 'Kartendienst (WMS)'],
  WFS: ['web feature service', 'Geodatendienst (WFS)'],
  TIFF: ['image', 'Bild'],
  GEOTIFF: ['georeferenced image', 'georeferenziertes Bild'],
  PNG: ['image', 'Bild'],
  JPEG: ['image', 'Bild'],
  JPG: ['image', 'Bild'],
  SVG: ['vector graphic', 'Vektorgrafik'],
  PARQUET: ['columnar data table', 'spaltenorientierte Datentabelle'],
  NETCDF: ['scientific data arrays', 'wissenschaftliche Datenfelder'],
  GTFS: ['public transport timetable', 'Fahrplandaten des ÖPNV'],
  SQL: ['database dump', 'Datenbankauszug'],
  ATOM: ['news feed', 'Nachrichten-Feed'],
  RSS: ['news feed', 'Nachrichten-Feed'],
  IFC: ['building model (BIM)', 'Gebäudemodell (BIM)'],
  CITYGML: ['3D city model', '3D-Stadtmodell'],
  DXF: ['CAD drawing', 'CAD-Zeichnung'],
  DWG: ['CAD drawing', 'CAD-Zeichnung'],
};

// The EU file type table's codes whose manifest format is written otherwise.
const EU_FILE_TYPES = {
  JSON_LD: 'JSON-LD',
  RDF_XML: 'RDF/XML',
  RDF_TURTLE: 'TTL',
  RDF_N_TRIPLES: 'N-TRIPLES',
  WMS_SRVC: 'WMS',
  WFS_SRVC: 'WFS',
};

// DCAT-AP.de's licence vocabulary (http://dcat-ap.de/def/licenses/<path>):
// [English title, official German title].
const DCAT_DE_LICENSES = {
  'dl-zero-de/2.0': ['Data licence Germany – Zero – version 2.0', 'Datenlizenz Deutschland – Zero – Version 2.0'],
  'dl-by-de/2.0': ['Data licence Germany – attribution – version 2.0', 'Datenlizenz Deutschland Namensnennung 2.0'],
  'dl-by-de/1.0': ['Data licence Germany – attribution – version 1.0', 'Datenlizenz Deutschland Namensnennung 1.0'],
  'dl-by-nc-de/1.0': ['Data licence Germany – attribution – non-commercial – version 1.0', 'Datenlizenz Deutschland Namensnennung nicht-kommerziell 1.0'],
  'cc-by/4.0': ['Creative Commons Attribution 4.0 International (CC BY 4.0)', 'Creative Commons Namensnennung – 4.0 International (CC BY 4.0)'],
  'cc-by': ['Creative Commons Attribution (CC BY)', 'Creative Commons Namensnennung (CC-BY)'],
  'cc-by-de/3.0': ['Creative Commons Attribution 3.0 Germany (CC BY 3.0 DE)', 'Creative Commons Namensnennung 3.0 Deutschland (CC BY 3.0 DE)'],
  'cc-by-sa': ['Creative Commons Attribution-ShareAlike (CC BY-SA)', 'Creative Commons Namensnennung - Weitergabe unter gleichen Bedingungen (CC-BY-SA)'],
  'cc-by-sa-de/3.0': ['Creative Commons Attribution-ShareAlike 3.0 Germany (CC BY-SA 3.0 DE)', 'Creative Commons Namensnennung - Weitergabe unter gleichen Bedingungen 3.0 Deutschland (CC BY-SA 3.0 DE)'],
  'cc-by-sa/4.0': ['Creative Commons Attribution-ShareAlike 4.0 International (CC BY-SA 4.0)', 'Creative Commons Namensnennung - Weitergabe unter gleichen Bedingungen 4.0 International (CC-BY-SA 4.0)'],
  'cc-by-nc': ['Creative Commons Attribution-NonCommercial (CC BY-NC)', 'Creative Commons Namensnennung - Nicht kommerziell (CC BY-NC)'],
  'cc-by-nc-de/3.0': ['Creative Commons Attribution-NonCommercial 3.0 Germany (CC BY-NC 3.0 DE)', 'Creative Commons Namensnennung - Nicht kommerziell 3.0 Deutschland (CC BY-NC 3.0 DE)'],
  'cc-by-nc/4.0': ['Creative Commons Attribution-NonCommercial 4.0 International (CC BY-NC 4.0)', 'Creative Commons Namensnennung - Nicht kommerziell 4.0 International (CC BY-NC 4.0)'],
  'cc-by-nd': ['Creative Commons Attribution-NoDerivatives (CC BY-ND)', 'Creative Commons Namensnennung - Keine Bearbeitung (CC BY-ND)'],
  'cc-by-nd/3.0': ['Creative Commons Attribution-NoDerivs 3.0 Unported (CC BY-ND 3.0)', 'Creative Commons Namensnennung - Keine Bearbeitung 3.0 Unported (CC BY-ND 3.0)'],
  'cc-by-nd/4.0': ['Creative Commons Attribution-NoDerivatives 4.0 International (CC BY-ND 4.0)', 'Creative Commons Namensnennung - Keine Bearbeitung 4.0 International (CC BY-ND 4.0)'],
  'cc-zero': ['Creative Commons CC Zero (CC0 1.0)', 'Creative Commons CC Zero License (cc-zero)'],
  'ccpdm/1.0': ['Public Domain Mark 1.0 (PDM)', 'Public Domain Mark 1.0 (PDM)'],
  apache: ['Apache Software Foundation free software licence', 'Freie Softwarelizenz der Apache Software Foundation'],
  bsd: ['BSD licence', 'BSD Lizenz'],
  'geonutz/20130319': ['Terms of use for the provision of geodata of the Federation', 'Nutzungsbestimmungen für die Bereitstellung von Geodaten des Bundes'],
  'geoNutz/20131001': ['Terms of use for the provision of geodata of the Land Berlin', 'Nutzungsbestimmungen für die Bereitstellung von Geodaten des Landes Berlin'],
  gfdl: ['GNU Free Documentation License (GFDL)', 'GNU Free Documentation License (GFDL)'],
  'gpl/3.0': ['GNU General Public License version 3.0 (GPLv3)', 'GNU General Public License version 3.0 (GPLv3)'],
  mozilla: ['Mozilla Public License 2.0 (MPL)', 'Mozilla Public License 2.0 (MPL)'],
  odbl: ['Open Data Commons Open Database License (ODbL)', 'Open Data Commons Open Database License (ODbL)'],
  odby: ['Open Data Commons Attribution License (ODC-BY 1.0)', 'Open Data Commons Attribution License (ODC-BY 1.0)'],
  odcpddl: ['Open Data Commons Public Domain Dedication and Licence (ODC PDDL)', 'Open Data Commons Public Domain Dedication and Licence (ODC PDDL)'],
  officialWork: ['Official work, free of licence under § 5 (1) of the German Copyright Act (UrhG)', 'Amtliches Werk, lizenzfrei nach §5 Abs. 1 UrhG'],
  'other-open': ['Other open licence', 'Andere offene Lizenz'],
  'other-opensource': ['Other open source licence', 'Andere Open Source Lizenz'],
  'other-closed': ['Other closed licence', 'Andere geschlossene Lizenz'],
  'other-commercial': ['Other commercial licence', 'Andere kommerzielle Lizenz'],
  'other-freeware': ['Other freeware licence', 'Andere Freeware Lizenz'],
  'other-nc': ['Other non-commercial licence', 'Andere nicht-kommerzielle Lizenz'],
};

// Licence URLs as people write them (without scheme and trailing '/'), and
// their DCAT-AP.de paths (registry/dcat_vocab.c maps the same).
const LICENSE_URLS = {
  'creativecommons.org/licenses/by/4.0': 'cc-by/4.0',
  'creativecommons.org/licenses/by-sa/4.0': 'cc-by-sa/4.0',
  'creativecommons.org/licenses/by-nd/4.0': 'cc-by-nd/4.0',
  'creativecommons.org/licenses/by-nc/4.0': 'cc-by-nc/4.0',
  'creativecommons.org/publicdomain/zero/1.0': 'cc-zero',
  'www.govdata.de/dl-de/by-2-0': 'dl-by-de/2.0',
  'www.govdata.de/dl-de/zero-2-0': 'dl-zero-de/2.0',
  'opendatacommons.org/licenses/odbl/1-0': 'odbl',
  'opendatacommons.org/licenses/by/1-0': 'odby',
  'opendatacommons.org/licenses/pddl/1-0': 'odcpddl',
};

// SPDX licences by id, with their official (English) full names. The GNU
// families are named once; -only and -or-later are worded on top.
const SPDX = {
  '0BSD': 'BSD Zero Clause License',
  'AFL-3.0': 'Academic Free License v3.0',
  'AGPL-3.0': 'GNU Affero General Public License v3.0',
  'Apache-1.1': 'Apache License 1.1',
  'Apache-2.0': 'Apache License 2.0',
  'APSL-2.0': 'Apple Public Source License 2.0',
  'Artistic-2.0': 'Artistic License 2.0',
  'BlueOak-1.0.0': 'Blue Oak Model License 1.0.0',
  'BSD-1-Clause': 'BSD 1-Clause License',
  'BSD-2-Clause': 'BSD 2-Clause "Simplified" License',
  'BSD-2-Clause-Patent': 'BSD-2-Clause Plus Patent License',
  'BSD-3-Clause': 'BSD 3-Clause "New" or "Revised" License',
  'BSD-3-Clause-Clear': 'BSD 3-Clause Clear License',
  'BSD-4-Clause': 'BSD 4-Clause "Original" or "Old" License',
  'BSL-1.0': 'Boost Software License 1.0',
  'CAL-1.0': 'Cryptographic Autonomy License 1.0',
  'CC-BY-3.0': 'Creative Commons Attribution 3.0 Unported',
  'CC-BY-3.0-DE': 'Creative Commons Attribution 3.0 Germany',
  'CC-BY-4.0': 'Creative Commons Attribution 4.0 International',
  'CC-BY-NC-4.0': 'Creative Commons Attribution Non Commercial 4.0 International',
  'CC-BY-NC-SA-4.0': 'Creative Commons Attribution Non Commercial Share Alike 4.0 International',
  'CC-BY-ND-4.0': 'Creative Commons Attribution No Derivatives 4.0 International',
  'CC-BY-SA-3.0': 'Creative Commons Attribution Share Alike 3.0 Unported',
  'CC-BY-SA-3.0-DE': 'Creative Commons Attribution Share Alike 3.0 Germany',
  'CC-BY-SA-4.0': 'Creative Commons Attribution Share Alike 4.0 International',
  'CC-PDDC': 'Creative Commons Public Domain Dedication and Certification',
  'CC0-1.0': 'Creative Commons Zero v1.0 Universal',
  'CDDL-1.0': 'Common Development and Distribution License 1.0',
  'CDDL-1.1': 'Common Development and Distribution License 1.1',
  'CECILL-2.1': 'CeCILL Free Software License Agreement v2.1',
  'CECILL-B': 'CeCILL-B Free Software License Agreement',
  'CECILL-C': 'CeCILL-C Free Software License Agreement',
  'CPAL-1.0': 'Common Public Attribution License 1.0',
  'DL-DE-BY-2.0': 'Data licence Germany – attribution – version 2.0',
  'DL-DE-ZERO-2.0': 'Data licence Germany – zero – version 2.0',
  'ECL-2.0': 'Educational Community License v2.0',
  'EFL-2.0': 'Eiffel Forum License v2.0',
  'EPL-1.0': 'Eclipse Public License 1.0',
  'EPL-2.0': 'Eclipse Public License 2.0',
  'EUPL-1.1': 'European Union Public Licence 1.1',
  'EUPL-1.2': 'European Union Public Licence 1.2',
  'GFDL-1.3': 'GNU Free Documentation License v1.3',
  'GPL-2.0': 'GNU General Public License v2.0',
  'GPL-3.0': 'GNU General Public License v3.0',
  'ISC': 'ISC License',
  'LGPL-2.0': 'GNU Library General Public License v2',
  'LGPL-2.1': 'GNU Lesser General Public License v2.1',
  'LGPL-3.0': 'GNU Lesser General Public License v3.0',
  'LiLiQ-P-1.1': 'Licence Libre du Québec – Permissive version 1.1',
  'LiLiQ-R-1.1': 'Licence Libre du Québec – Réciprocité version 1.1',
  'LiLiQ-Rplus-1.1': 'Licence Libre du Québec – Réciprocité forte version 1.1',
  'LPPL-1.3c': 'LaTeX Project Public License v1.3c',
  'MIT': 'MIT License',
  'MIT-0': 'MIT No Attribution',
  'MPL-1.1': 'Mozilla Public License 1.1',
  'MPL-2.0': 'Mozilla Public License 2.0',
  'MPL-2.0-no-copyleft-exception': 'Mozilla Public License 2.0 (no copyleft exception)',
  'MS-PL': 'Microsoft Public License',
  'MS-RL': 'Microsoft Reciprocal License',
  'MulanPSL-2.0': 'Mulan Permissive Software License, Version 2',
  'NCSA': 'University of Illinois/NCSA Open Source License',
  'ODbL-1.0': 'Open Data Commons Open Database License v1.0',
  'ODC-By-1.0': 'Open Data Commons Attribution License v1.0',
  'OFL-1.1': 'SIL Open Font License 1.1',
  'OSL-3.0': 'Open Software License 3.0',
  'PDDL-1.0': 'Open Data Commons Public Domain Dedication & License 1.0',
  'PostgreSQL': 'PostgreSQL License',
  'Python-2.0': 'Python License 2.0',
  'Unlicense': 'The Unlicense',
  'UPL-1.0': 'Universal Permissive License v1.0',
  'W3C': 'W3C Software Notice and License (2002-12-31)',
  'WTFPL': 'Do What The F*ck You Want To Public License',
  'Zlib': 'zlib License',
  'ZPL-2.1': 'Zope Public License 2.1',
};

const SPDX_EXCEPTIONS = {
  'Autoconf-exception-3.0': 'Autoconf exception 3.0',
  'Bison-exception-2.2': 'Bison exception 2.2',
  'Classpath-exception-2.0': 'Classpath exception 2.0',
  'Font-exception-2.0': 'Font exception 2.0',
  'GCC-exception-3.1': 'GCC Runtime Library exception 3.1',
  'LLVM-exception': 'LLVM Exception',
  'Linux-syscall-note': 'Linux Syscall Note',
  'OpenJDK-assembly-exception-1.0': 'OpenJDK Assembly exception 1.0',
  'Qt-LGPL-exception-1.1': 'Qt LGPL exception 1.1',
  'Universal-FOSS-exception-1.0': 'Universal FOSS Exception, Version 1',
};

// The connectives of an SPDX expression and the suffixes of the GNU ids.
const LICENSE_WORDS = {
  AND: ['and', 'und'],
  OR: ['or', 'oder'],
  WITH: ['with', 'mit'],
  only: ['only', 'nur diese Version'],
  orLater: ['or later', 'oder eine spätere Version'],
};

// BBSR's city and district types and the German states, as strategies write
// them in cityCategory ("Kleinere Großstadt • Nordrhein-Westfalen").
const CITY_WORDS = {
  'Große Großstadt': 'Large city (500,000 inhabitants or more)',
  'Große Großstädte': 'Large cities (500,000 inhabitants or more)',
  'Kleinere Großstadt': 'Smaller large city (100,000 to 500,000 inhabitants)',
  'Größere Mittelstadt': 'Larger medium-sized town (50,000 to 100,000 inhabitants)',
  'Kleinere Mittelstadt': 'Smaller medium-sized town (20,000 to 50,000 inhabitants)',
  'Größere Kleinstadt': 'Larger small town (10,000 to 20,000 inhabitants)',
  'Kleine Kleinstadt': 'Small town (5,000 to 10,000 inhabitants)',
  Landgemeinde: 'Rural municipality',
  Gemeinde: 'Municipality',
  'Kreisfreie Großstadt': 'District-free large city',
  'Städtischer Kreis': 'Urban district',
  'Ländlicher Kreis mit Verdichtungsansätzen': 'Rural district with signs of densification',
  'Dünn besiedelter ländlicher Kreis': 'Sparsely populated rural district',
  'Baden-Württemberg': 'Baden-Württemberg',
  Bayern: 'Bavaria',
  Berlin: 'Berlin',
  Brandenburg: 'Brandenburg',
  Bremen: 'Bremen',
  Hamburg: 'Hamburg',
  Hessen: 'Hesse',
  'Mecklenburg-Vorpommern': 'Mecklenburg-Western Pomerania',
  Niedersachsen: 'Lower Saxony',
  'Nordrhein-Westfalen': 'North Rhine-Westphalia',
  'Rheinland-Pfalz': 'Rhineland-Palatinate',
  Saarland: 'Saarland',
  Sachsen: 'Saxony',
  'Sachsen-Anhalt': 'Saxony-Anhalt',
  'Schleswig-Holstein': 'Schleswig-Holstein',
  Thüringen: 'Thuringia',
};

const EU_AUTHORITY = /^https?:\/\/publications\.europa\.eu\/resource\/authority\/([a-z-]+)\/([A-Za-z0-9_]+)\/?$/;
const DCAT_DE_LICENSE = /^https?:\/\/(?:www\.)?dcat-ap\.de\/def\/licenses\/(.+?)\/?$/;

// Kinds whose codes are matched without regard to case.
const ANY_CASE = new Set(['platform', 'format']);

// One part of the words: its text and the language it is in (null: a code
// as written, in no language).
function seg(text, l) {
  return { text, lang: l };
}

function pick(pair) {
  return lang === 'de' ? pair[1] : pair[0];
}

function lookup(table, code, anyCase) {
  if (Object.hasOwn(table, code)) return table[code];
  if (anyCase) {
    const lc = code.toLowerCase();
    for (const k of Object.keys(table)) if (k.toLowerCase() === lc) return table[k];
  }
  return null;
}

// The words for code of kind as a list of parts.
function parts(kind, code) {
  if (code === null || code === undefined) return [];
  code = String(code);
  const eu = EU_AUTHORITY.exec(code);
  switch (kind) {
    case 'license':
      return licenseParts(code);
    case 'language':
      return [languageSeg(code)];
    case 'format':
      return [formatSeg(eu && eu[1] === 'file-type' ? EU_FILE_TYPES[eu[2]] || eu[2] : code)];
    case 'cityCategory':
      return cityCategoryParts(code);
    case 'theme':
      if (eu && eu[1] === 'data-theme') code = eu[2];
      break;
    case 'frequency':
      if (eu && eu[1] === 'frequency') code = eu[2];
      break;
    default:
      break;
  }
  const table = TABLES[kind];
  const pair = table ? lookup(table, code, ANY_CASE.has(kind)) : null;
  return [pair ? seg(pick(pair), lang) : seg(code, null)];
}

// "en" → "Englisch" on a German page, by the browser's own language names.
function languageSeg(code) {
  try {
    const name = new Intl.DisplayNames([lang], { type: 'language', fallback: 'none' }).of(code);
    if (name && name.toLowerCase() !== code.toLowerCase()) return seg(name, lang);
  } catch (e) {
    // not a language tag; shown as written
  }
  return seg(code, null);
}

// "CSV" → "CSV (Tabelle, kommagetrennt)".
function formatSeg(code) {
  const pair = lookup(FORMATS, code, true);
  const name = code === code.toLowerCase() ? code.toUpperCase() : code;
  return pair ? seg(`${name} (${pick(pair)})`, lang) : seg(code, null);
}

// German city and district types translated part by part on an English
// page ("Kleinere Großstadt • Bayern"); a part without a translation stays
// German (and says so in its lang). German on a German page, as written.
function cityCategoryParts(text) {
  if (lang === 'de') return [seg(text, 'de')];
  return text
    .split(/(\s*[•–,]\s*)/)
    .filter((p) => p !== '')
    .map((p) => (/^\s*[•–,]\s*$/.test(p) ? seg(p, 'en') : Object.hasOwn(CITY_WORDS, p) ? seg(CITY_WORDS[p], 'en') : seg(p, 'de')));
}

// A licence: an SPDX expression word by word, a DCAT-AP.de licence IRI or a
// licence URL by its title, anything else as written.
function licenseParts(code) {
  const s = code.trim();
  const m = DCAT_DE_LICENSE.exec(s);
  if (m) {
    const pair = DCAT_DE_LICENSES[m[1]] || DCAT_DE_LICENSES[m[1].toLowerCase()];
    return [pair ? seg(pick(pair), lang) : seg(code, null)];
  }
  const url = /^https?:\/\/(.+?)\/*$/i.exec(s);
  if (url) {
    const path = LICENSE_URLS[url[1].toLowerCase()];
    return [path ? seg(pick(DCAT_DE_LICENSES[path]), lang) : seg(code, null)];
  }
  const tokens = s.split(/(\s+|\(|\))/).filter((x) => x && !/^\s+$/.test(x));
  if (!tokens.length || tokens.length > 63) return [seg(code, null)];
  const out = [];
  let afterWith = false;
  for (const tok of tokens) {
    const op = tok.toUpperCase();
    if (op === 'AND' || op === 'OR' || op === 'WITH') {
      out.push(seg(` ${pick(LICENSE_WORDS[op])} `, lang));
      afterWith = op === 'WITH';
    } else if (tok === '(' || tok === ')') {
      out.push(seg(tok, null));
    } else {
      out.push(...(afterWith ? exceptionParts(tok) : spdxParts(tok)));
      afterWith = false;
    }
  }
  return out;
}

function spdxLookup(table, id) {
  if (Object.hasOwn(table, id)) return table[id];
  const lc = id.toLowerCase();
  for (const k of Object.keys(table)) if (k.toLowerCase() === lc) return table[k];
  return null;
}

// One SPDX licence id: its name, with "only" / "or later" in the page's language.
function spdxParts(id) {
  const m = /^(.+?)(-only|-or-later|\+)?$/.exec(id);
  const name = spdxLookup(SPDX, m[1]) || (m[2] ? null : spdxLookup(SPDX, id));
  if (!name) return [seg(id, null)];
  if (!m[2]) return [seg(name, 'en')];
  const suffix = m[2] === '-only' ? LICENSE_WORDS.only : LICENSE_WORDS.orLater;
  return [seg(name, 'en'), seg(` (${pick(suffix)})`, lang)];
}

function exceptionParts(id) {
  const name = spdxLookup(SPDX_EXCEPTIONS, id);
  return [name ? seg(name, 'en') : seg(id, null)];
}

// The few sentences around coded values: an area by the kind of its key,
// a linked item while it loads or when the registry does not have it.
const PHRASES = {
  spatialKey2: ['State key {code}', 'Landesschlüssel {code}'],
  spatialKey3: ['Government district key {code}', 'Regierungsbezirksschlüssel {code}'],
  spatialKey5: ['District key {code}', 'Kreisschlüssel {code}'],
  spatialKey8: ['Municipality key (AGS) {code}', 'Amtlicher Gemeindeschlüssel (AGS) {code}'],
  spatialKey9: ['Municipal association key {code}', 'Gemeindeverbandsschlüssel {code}'],
  spatialKey12: ['Regional key (ARS) {code}', 'Amtlicher Regionalschlüssel (ARS) {code}'],
  itemLoading: ['Loading the title …', 'Titel wird geladen …'],
  itemUnknown: ['“{ref}” – not in this registry', '„{ref}“ – nicht in diesem Register'],
};

// phrase('itemUnknown', {ref}): one of PHRASES in the page's language, with
// {name} filled in; an area key of another length says "Area key".
export function phrase(key, vars) {
  const pair = PHRASES[key] || (key.startsWith('spatialKey') ? ['Area key {code}', 'Gebietsschlüssel {code}'] : null);
  if (!pair) return key;
  return pick(pair).replace(/\{(\w+)\}/g, (m, k) => (vars && vars[k] !== undefined ? String(vars[k]) : m));
}

// The words for code in the page's language, or code itself when unknown.
export function word(kind, code) {
  const p = parts(kind, code);
  return p.length ? p.map((x) => x.text).join('') : code === null || code === undefined ? '' : String(code);
}

// The words as a <span>; a part in another language than the page carries
// its lang attribute, and the code itself is the span's data-code.
export function wordEl(kind, code) {
  const span = document.createElement('span');
  const p = parts(kind, code);
  if (p.length === 1) {
    span.textContent = p[0].text;
    if (p[0].lang && p[0].lang !== lang) span.lang = p[0].lang;
  } else {
    for (const x of p) {
      if (x.lang && x.lang !== lang) {
        const inner = document.createElement('span');
        inner.lang = x.lang;
        inner.textContent = x.text;
        span.append(inner);
      } else {
        span.append(x.text);
      }
    }
  }
  return span;
}

// Whether kind has words for code (a code shown as written has none).
export function hasWord(kind, code) {
  const p = parts(kind, code);
  return p.length > 0 && p.every((x) => x.lang !== null || /^[\s()]+$/.test(x.text));
}
