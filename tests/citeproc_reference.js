// The reference rendering for tests/test_citations.py: citeproc-js driven the way Zotero's
// word-processor plugins drive it (one processCitationCluster call per citation, in order), from
// the fixture's entries and the citations a reader sees in its text, written out by hand.
// Usage: node tests/citeproc_reference.js TOOLS_DIR < request.json
"use strict";
const [tools] = process.argv.slice(2);
const need = (name) => require(require.resolve(name, { paths: [tools] }));
const CSL = need("citeproc");
const { plugins } = need("@citation-js/core");
need("@citation-js/plugin-bibtex");
plugins.config.get("@bibtex").parse.sentenceCase = "never";

const request = JSON.parse(require("fs").readFileSync(0, "utf8"));
const items = {};
for (const text of request.bibtex) {
  for (const item of plugins.input.chain(text, { forceType: "@biblatex/text", generateGraph: false })) items[item.id] = item;
}
for (const item of request.items) items[item.id] = item;
const sys = { retrieveLocale: (lang) => request.locales[lang], retrieveItem: (id) => items[id] };
const engine = new CSL.Engine(sys, request.style, request.lang, true);
engine.setOutputFormat("html");
engine.updateUncitedItems(request.nocite);
const out = { citations: {}, authors: {}, bibliography: [] };
const before = [];
for (const cluster of request.clusters) {
  const citation = { citationID: cluster.id, citationItems: cluster.items, properties: { noteIndex: cluster.noteIndex } };
  const [, changed] = engine.processCitationCluster(citation, before, []);
  for (const [index, html] of changed) out.citations[request.clusters[index].id] = html;
  before.push([cluster.id, cluster.noteIndex]);
  if (cluster.author) out.authors[cluster.id] = engine.previewCitationCluster(
    { citationItems: [{ id: cluster.author, "author-only": true }], properties: { noteIndex: 0 } }, [], [], "html");
}
const [, entries] = engine.makeBibliography();
out.bibliography = entries;
process.stdout.write(JSON.stringify(out));
