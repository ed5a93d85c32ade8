/*
 * dcat_vocab.c - the vocabularies of the DCAT-AP catalog: which code of the
 * EU authority tables (file types, frequencies, languages) and which
 * DCAT-AP.de IRI (licences, political geocoding) a manifest value maps to.
 *
 * The tables are small on purpose: the values the dataset schema offers
 * and the ones people write. A value a table does not hold has no IRI, and
 * the catalog then leaves it out of the property (DCAT-AP requires an IRI
 * for dct:format, dct:language, dct:accrualPeriodicity and dct:spatial; a
 * literal there is a SHACL violation). docs/DCAT.md lists what maps.
 * Every function here is pure and thread-safe, and returns a static string.
 */
#include "registry/internal.h"

#include <string.h>
#include <strings.h>

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Manifest formats (case-insensitive) and their EU file type codes. */
static const char *const file_types[][2] = {
    {"CSV", "CSV"},         {"TSV", "TSV"},           {"JSON", "JSON"},
    {"GEOJSON", "GEOJSON"}, {"JSON-LD", "JSON_LD"},   {"JSONLD", "JSON_LD"},
    {"XML", "XML"},         {"RDF", "RDF"},           {"RDF/XML", "RDF_XML"},
    {"TTL", "RDF_TURTLE"},  {"TURTLE", "RDF_TURTLE"}, {"N-TRIPLES", "RDF_N_TRIPLES"},
    {"PDF", "PDF"},         {"ZIP", "ZIP"},           {"XLSX", "XLSX"},
    {"XLS", "XLS"},         {"ODS", "ODS"},           {"DOCX", "DOCX"},
    {"ODT", "ODT"},         {"TXT", "TXT"},           {"HTML", "HTML"},
    {"SHP", "SHP"},         {"KML", "KML"},           {"KMZ", "KMZ"},
    {"GML", "GML"},         {"GPKG", "GPKG"},         {"WMS", "WMS_SRVC"},
    {"WFS", "WFS_SRVC"},    {"TIFF", "TIFF"},         {"GEOTIFF", "GEOTIFF"},
    {"PNG", "PNG"},         {"JPEG", "JPEG"},         {"JPG", "JPEG"},
    {"PARQUET", "PARQUET"}, {"NETCDF", "NETCDF"},     {"GTFS", "GTFS"},
    {"SQL", "SQL"},         {"ATOM", "ATOM"},         {"RSS", "RSS"},
};

/* The schema's accrualPeriodicity values and their EU frequency codes. */
static const char *const frequencies[][2] = {
    {"continuous", "CONT"}, {"daily", "DAILY"},         {"weekly", "WEEKLY"},
    {"monthly", "MONTHLY"}, {"quarterly", "QUARTERLY"}, {"annual", "ANNUAL"},
    {"irregular", "IRREG"}, {"never", "NEVER"},
};

/* Languages by ISO 639-1 code and their codes in the EU language table
 * (ISO 639-3): the languages of Europe and the most spoken others. */
static const char *const languages[][2] = {
    {"ar", "ARA"}, {"bg", "BUL"}, {"bn", "BEN"}, {"bs", "BOS"}, {"ca", "CAT"}, {"cs", "CES"},
    {"cy", "CYM"}, {"da", "DAN"}, {"de", "DEU"}, {"el", "ELL"}, {"en", "ENG"}, {"eo", "EPO"},
    {"es", "SPA"}, {"et", "EST"}, {"eu", "EUS"}, {"fa", "FAS"}, {"fi", "FIN"}, {"fr", "FRA"},
    {"fy", "FRY"}, {"ga", "GLE"}, {"gl", "GLG"}, {"he", "HEB"}, {"hi", "HIN"}, {"hr", "HRV"},
    {"hu", "HUN"}, {"hy", "HYE"}, {"id", "IND"}, {"is", "ISL"}, {"it", "ITA"}, {"ja", "JPN"},
    {"ka", "KAT"}, {"ko", "KOR"}, {"ku", "KUR"}, {"lb", "LTZ"}, {"lt", "LIT"}, {"lv", "LAV"},
    {"mk", "MKD"}, {"mt", "MLT"}, {"nb", "NOB"}, {"nl", "NLD"}, {"nn", "NNO"}, {"no", "NOR"},
    {"pl", "POL"}, {"pt", "POR"}, {"ro", "RON"}, {"ru", "RUS"}, {"sk", "SLK"}, {"sl", "SLV"},
    {"sq", "SQI"}, {"sr", "SRP"}, {"sv", "SWE"}, {"tr", "TUR"}, {"uk", "UKR"}, {"ur", "URD"},
    {"vi", "VIE"}, {"zh", "ZHO"},
};

/* ISO 639-2/B codes of the languages above whose 639-3 code differs. */
static const char *const bibliographic[][2] = {
    {"alb", "SQI"}, {"arm", "HYE"}, {"baq", "EUS"}, {"chi", "ZHO"}, {"cze", "CES"}, {"dut", "NLD"},
    {"fre", "FRA"}, {"geo", "KAT"}, {"ger", "DEU"}, {"gre", "ELL"}, {"ice", "ISL"}, {"mac", "MKD"},
    {"per", "FAS"}, {"rum", "RON"}, {"slo", "SLK"}, {"wel", "CYM"},
};

/* Licence URLs as people write them (without scheme and trailing '/') and
 * their paths under DCAT-AP.de's http://dcat-ap.de/def/licenses/. */
static const char *const licenses[][2] = {
    {"creativecommons.org/licenses/by/4.0", "cc-by/4.0"},
    {"creativecommons.org/licenses/by-sa/4.0", "cc-by-sa/4.0"},
    {"creativecommons.org/licenses/by-nd/4.0", "cc-by-nd/4.0"},
    {"creativecommons.org/licenses/by-nc/4.0", "cc-by-nc/4.0"},
    {"creativecommons.org/publicdomain/zero/1.0", "cc-zero"},
    {"www.govdata.de/dl-de/by-2-0", "dl-by-de/2.0"},
    {"www.govdata.de/dl-de/zero-2-0", "dl-zero-de/2.0"},
    {"opendatacommons.org/licenses/odbl/1-0", "odbl"},
    {"opendatacommons.org/licenses/by/1-0", "odby"},
    {"opendatacommons.org/licenses/pddl/1-0", "odcpddl"},
};

/* AGS/ARS key lengths and DCAT-AP.de's political geocoding vocabularies. */
static const struct {
    size_t len;
    const char *vocab;
} geocoding_keys[] = {
    {2, "stateKey"},        {3, "governmentDistrictKey"},   {5, "districtKey"},
    {8, "municipalityKey"}, {9, "municipalAssociationKey"}, {12, "regionalKey"},
};

const char *cn_dcat_file_type(const char *format)
{
    size_t i;

    for (i = 0; format != NULL && i < COUNT(file_types); i++)
        if (strcasecmp(format, file_types[i][0]) == 0)
            return file_types[i][1];
    return NULL;
}

const char *cn_dcat_frequency(const char *value)
{
    size_t i;

    for (i = 0; value != NULL && i < COUNT(frequencies); i++)
        if (strcmp(value, frequencies[i][0]) == 0)
            return frequencies[i][1];
    return NULL;
}

const char *cn_dcat_language(const char *tag)
{
    size_t n = tag ? strcspn(tag, "-") : 0, i;

    for (i = 0; n == 2 && i < COUNT(languages); i++)
        if (strncasecmp(tag, languages[i][0], 2) == 0)
            return languages[i][1];
    for (i = 0; n == 3 && i < COUNT(languages); i++)
        if (strncasecmp(tag, languages[i][1], 3) == 0)
            return languages[i][1];
    for (i = 0; n == 3 && i < COUNT(bibliographic); i++)
        if (strncasecmp(tag, bibliographic[i][0], 3) == 0)
            return bibliographic[i][1];
    return NULL;
}

const char *cn_dcat_license(const char *uri)
{
    const char *p = uri;
    size_t n, i;

    if (p == NULL)
        return NULL;
    if (strncasecmp(p, "https://", 8) == 0)
        p += 8;
    else if (strncasecmp(p, "http://", 7) == 0)
        p += 7;
    else
        return NULL;
    n = strlen(p);
    while (n > 0 && p[n - 1] == '/')
        n--;
    for (i = 0; i < COUNT(licenses); i++)
        if (strlen(licenses[i][0]) == n && strncasecmp(p, licenses[i][0], n) == 0)
            return licenses[i][1];
    return NULL;
}

const char *cn_dcat_geocoding_key(const char *digits)
{
    size_t n = digits ? strlen(digits) : 0, i;

    if (n == 0 || strspn(digits, "0123456789") != n)
        return NULL;
    for (i = 0; i < COUNT(geocoding_keys); i++)
        if (geocoding_keys[i].len == n)
            return geocoding_keys[i].vocab;
    return NULL;
}
