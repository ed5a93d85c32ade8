// dcat_shacl.mjs - validate DCAT-AP catalogs against the official SHACL shapes.
//
//   node tests/conformance/dcat_shacl.mjs CONFORMANCE_DIR CATALOG...
//
// Each CATALOG is a document citynode served: JSON-LD (.jsonld, turned into
// RDF by the npm package jsonld, offline: a remote @context is refused) or
// Turtle (.ttl, parsed by n3). Each is a data graph of its own (as a
// harvester reads it), validated with rdf-validate-shacl against two shape
// sets from CONFORMANCE_DIR (never copied into the repository):
//
//   DCAT-AP 3.0.1    dcat-ap/dcat-ap-3.0.1-shapes.ttl and
//                    dcat-ap/dcat-ap-3.0.1-shapes_recommended.ttl (warnings).
//                    range.ttl is not loaded: its sh:class checks need the EU
//                    vocabularies, which cannot be loaded offline (README there).
//   DCAT-AP.de 3.0   what GovData's profile v30_de_spec loads: the SEMIC 3.0.0
//                    shapes, the German shapes, deprecations and additions.
//
// Prints, per shape set, one line per violation (document, focus node, path,
// message), then "<set>: N violations, M warnings" summed over the
// documents; with -v the warnings too. The last
// line is "dcat-ap: N passed, M failed" over the shape sets. Exits 1 on any violation
// or when a file cannot be read, 2 on a usage error.
import fs from 'node:fs';
import path from 'node:path';
import jsonld from 'jsonld';
import N3 from 'n3';
import SHACLValidator from 'rdf-validate-shacl';

const SH = 'http://www.w3.org/ns/shacl#';

const SHAPE_SETS = [
    {
        name: 'DCAT-AP 3.0.1',
        files: ['dcat-ap/dcat-ap-3.0.1-shapes.ttl', 'dcat-ap/dcat-ap-3.0.1-shapes_recommended.ttl'],
    },
    {
        name: 'DCAT-AP.de 3.0',
        files: [
            'dcat-ap-de/dcat-ap-3.0.0-dcat-ap-SHACL.ttl',
            'dcat-ap-de/dcatde-3.0-dcat-ap-SHACL-DE.ttl',
            'dcat-ap-de/dcatde-3.0-dcat-ap-de-deprecated.ttl',
            'dcat-ap-de/dcatde-3.0-dcat-ap-spec-german-additions.ttl',
        ],
    },
];

function parseTurtle(file) {
    const text = fs.readFileSync(file, 'utf8');
    try {
        return new N3.Parser({ baseIRI: 'file://' + path.resolve(file) }).parse(text);
    } catch (e) {
        throw new Error(`${file}: ${e.message}`);
    }
}

async function parseJsonld(file) {
    let doc;
    try {
        doc = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (e) {
        throw new Error(`${file}: not JSON: ${e.message}`);
    }
    const documentLoader = (url) => {
        throw new Error(`${file}: refusing to load the remote context ${url}`);
    };
    const nquads = await jsonld.toRDF(doc, { format: 'application/n-quads', documentLoader });
    return new N3.Parser({ format: 'N-Quads' }).parse(nquads);
}

function term(t) {
    if (t === undefined || t === null) return '-';
    if (t.termType === 'NamedNode') return `<${t.value}>`;
    if (t.termType === 'BlankNode') return `_:${t.value}`;
    return JSON.stringify(t.value);
}

function message(r) {
    const en = r.message.find((m) => m.language === 'en') || r.message[0];
    return en ? en.value : r.sourceConstraintComponent.value.replace(SH, 'sh:');
}

async function validate(set, conformanceDir, documents, verbose) {
    const shapes = [];
    for (const f of set.files) shapes.push(...parseTurtle(path.join(conformanceDir, f)));
    let violations = 0,
        warnings = 0;
    for (const [file, data] of documents) {
        const report = await new SHACLValidator(shapes).validate(data);
        for (const r of report.results) {
            const severity = r.severity ? r.severity.value.replace(SH, '') : 'Violation';
            if (severity === 'Violation') violations++;
            else warnings++;
            if (severity === 'Violation' || verbose)
                console.log(`  ${severity}: ${path.basename(file)}: ${term(r.focusNode)} ` +
                            `${term(r.path)}` + (r.value ? ` = ${term(r.value)}` : '') +
                            `: ${message(r)}`);
        }
    }
    console.log(`${set.name}: ${violations} violations, ${warnings} warnings`);
    return violations;
}

async function main(argv) {
    const verbose = argv[0] === '-v';
    if (verbose) argv = argv.slice(1);
    if (argv.length < 2) {
        console.error('usage: dcat_shacl.mjs [-v] CONFORMANCE_DIR CATALOG.jsonld|CATALOG.ttl...');
        return 2;
    }
    const [conformanceDir, ...catalogs] = argv;
    const documents = [];
    for (const file of catalogs) {
        const data = new N3.Store(file.endsWith('.ttl') ? parseTurtle(file) : await parseJsonld(file));
        if (data.size === 0) throw new Error(`${file}: no triple`);
        documents.push([file, data]);
    }
    let passed = 0,
        failed = 0;
    for (const set of SHAPE_SETS) {
        if ((await validate(set, conformanceDir, documents, verbose)) === 0) passed++;
        else failed++;
    }
    console.log(`dcat-ap: ${passed} passed, ${failed} failed`);
    return failed === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then(
    (status) => process.exit(status),
    (e) => {
        console.error(`dcat_shacl: ${e.message}`);
        process.exit(1);
    },
);
