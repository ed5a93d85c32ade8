#!/bin/bash
# t0951-browser-words.sh - the registry's page says coded values in words
# (node/web/vocab.js): a city (with its AGS code) publishes a solution, a
# dataset and a strategy whose manifests carry codes - a DCAT-AP.de licence
# IRI, the city's own AGS code as the dataset's area, `never`,
# `configurationFiles`, the platform `other`, the maintenance `none`, the
# language `en`, an SPDX id, and a strategy that links the solution and the
# dataset by id and one item the registry does not have. Their German item
# pages in Debian's chromium (tests/browser/words.mjs) show no raw code
# outside the technical details, and show the words instead.
. "$(dirname "$0")/lib.sh"

N="$TRASH/leipzig"
P=$(test_free_port)

cn() { "$CITYNODE" --home "$N" "$@"; }

publish_dir() { # DIR: commit DIR's files and publish them
    (cd "$1" && git init -q && git add . && git commit -qm sample) &&
    cn publish "$1" >/dev/null
}

test_expect_success 'a city with its AGS code publishes a solution, a dataset and a strategy with coded values' '
    cn init --name "Stadt Leipzig (sample)" --country DE --code 14713000 --url "http://127.0.0.1:$P" >nid &&
    mkdir sol ds str &&
    cat >sol/citynode.yml <<-\YML &&
	kind: solution
	id: words-solution
	version: "1.0.0"
	publiccodeYmlVersion: "0"
	name: Beteiligungsbaukasten
	url: "https://example.org/samples/beteiligungsbaukasten.git"
	platforms:
	  - other
	developmentStatus: stable
	softwareType: "configurationFiles"
	categories:
	  - collaboration
	intendedAudience:
	  scope:
	    - local-authorities
	description:
	  de:
	    shortDescription: Vorlagen für Beteiligungsformate einer Stadt.
	    longDescription: Vorlagen und Abläufe für Foren und Labore, in denen Bürgerinnen und Bürger, Verwaltung, Stadtwerke und Wirtschaft gemeinsam planen, entscheiden und die Ergebnisse in eine Strategie der Stadt einbringen.
	    features:
	      - Vorlagen für Einladungen und Protokolle
	legal:
	  license: EUPL-1.2
	maintenance:
	  type: "none"
	localisation:
	  localisationReady: false
	  availableLanguages:
	    - en
	YML
    cat >ds/citynode.yml <<-\YML &&
	kind: dataset
	id: words-dataset
	version: "1.0.0"
	title: Beteiligungsformate 2016
	description: Formate und Themen der Beteiligung im Jahr 2016.
	publisher:
	  name: Stadt Leipzig
	theme:
	  - GOVE
	license: "http://dcat-ap.de/def/licenses/dl-by-de/2.0"
	spatial: "14713000"
	accrualPeriodicity: never
	language:
	  - en
	distributions:
	  - title: Formate
	    format: CSV
	    file: formate.csv
	YML
    printf "Format;Thema\nForum;Mobilität\n" >ds/formate.csv &&
    cat >str/citynode.yml <<-\YML &&
	kind: strategy
	id: words-strategy
	version: "1.0.0"
	title: Strategie in Worten
	programme: Modellprojekte Smart Cities
	role: follower
	phase: implementation
	solutions:
	  - words-solution
	  - no-such-item
	datasets:
	  - words-dataset
	measures:
	  - title: Beteiligung
	    status: in-progress
	    solutions:
	      - words-solution
	YML
    publish_dir sol && publish_dir ds && publish_dir str &&
    test_serve "$N" "$P" node
'
NID=$(cat "$TRASH/nid" 2>/dev/null)

test_expect_success 'the API keeps the codes' '
    curl -fsS "http://127.0.0.1:$P/api/v1/items/$NID/words-dataset" >ds.json &&
    grep -q "\"spatial\": *\"14713000\"" ds.json &&
    grep -q "\"accrualPeriodicity\": *\"never\"" ds.json &&
    grep -q "dcat-ap.de/def/licenses/dl-by-de/2.0" ds.json
'

test_expect_success 'the German item pages show words, not codes (tests/browser/words.mjs)' '
    (cd "$CN_SOURCE_DIR/tests" &&
        CN_WEB_URL="http://127.0.0.1:$P" CN_NODE_ID="$NID" \
        timeout 120 node browser/words.mjs) >browser.out 2>&1 ||
        { cat browser.out; exit 1; }
    cat browser.out
'

test_done
