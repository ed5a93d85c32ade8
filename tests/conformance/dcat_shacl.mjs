// dcat_shacl.mjs - validate DCAT-AP catalogs against the official SHACL shapes.
//
//   node tests/conformance/dcat_shacl.mjs CONFORMANCE_DIR CATALOG...
//
// Each CATALOG is a file citynode served: JSON-LD (.jsonld, turned into RDF
// by the npm package jsonld, offline: a remote @context is refused) or Turtle
// (.ttl, parsed by n3). All of them make one data graph, validated with
// rdf-validate-shacl against two shape sets from CONFORMANCE_DIR (never
// copied into the repository):
//
//   DCAT-AP 3.0.1    dcat-ap/dcat-ap-3.0.1-shapes.ttl and
//                    dcat-ap/dcat-ap-3.0.1-shapes_recommended.ttl (warnings).
//                    range.ttl is not loaded: its sh:class checks need the EU
//                    vocabularies, which cannot be loaded offline (README there).
//   DCAT-AP.de 3.0   what GovData's profile v30_de_spec loads: the SEMIC 3.0.0
//                    shapes, the German shapes, deprecations and additions.
//
// Prints, per shape set, one line per violation (focus node, path, message),
// then "<set>: N violations, M warnings"; with -v the warnings too. The last
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

async function validate(set, conformanceDir, data, verbose) {
    const shapes = [];
    for (const f of set.files) shapes.push(...parseTurtle(path.join(conformanceDir, f)));
    const validator = new SHACLValidator(shapes);
    const report = await validator.validate(data);
    let violations = 0,
        warnings = 0;
    for (const r of report.results) {
        const severity = r.severity ? r.severity.value.replace(SH, '') : 'Violation';
        if (severity === 'Violation') violations++;
        else warnings++;
        if (severity === 'Violation' || verbose)
            console.log(`  ${severity}: ${term(r.focusNode)} ${term(r.path)}` +
                        (r.value ? ` = ${term(r.value)}` : '') + `: ${message(r)}`);
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
    const data = new N3.Store();
    for (const file of catalogs)
        data.addQuads(file.endsWith('.ttl') ? parseTurtle(file) : await parseJsonld(file));
    if (data.size === 0) throw new Error('the catalogs hold no triple');
    let passed = 0,
        failed = 0;
    for (const set of SHAPE_SETS) {
        if ((await validate(set, conformanceDir, data, verbose)) === 0) passed++;
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
