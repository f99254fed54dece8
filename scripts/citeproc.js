// Pressroom's citation processor: citeproc-js (Zotero's engine, npm `citeproc`), run once per brief.
// Usage: node scripts/citeproc.js TOOLS_DIR < request.json > result.json
//
// The request (one JSON object on standard input):
//   style: the CSL style's XML; locales: {"en-US": XML, ...}; lang: "en-US"
//   bibtex: [{source, text}]     BibTeX/BibLaTeX files, converted by Citation.js (@citation-js/plugin-bibtex)
//   items: [{source, item}]      CSL-JSON items (from .json, .yaml files and `references:`)
//   clusters: [{id, noteIndex, items: [{id, locator, label, prefix, suffix, "suppress-author"}],
//               narrative: id | null}]    in the order of the brief
//   nocite: ["key", ...] or ["*"]
// The result (one JSON object on standard output):
//   entries: [{id, source}]      every entry read, in order (duplicates included, first one wins)
//   items: {id: CSL item}        the merged items; bad: [{source, message, line}] unreadable BibTeX
//   klass: "note" | "in-text"; citations: {cluster id: HTML}; authors: {cluster id: HTML}
//   bibliography: [{id, html}]   in the style's order
// Nothing is fetched: every style, locale and item comes in the request.
"use strict";
const [tools] = process.argv.slice(2);
const need = (name) => require(require.resolve(name, { paths: [tools] }));

function readAll(stream) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    stream.on("data", (c) => chunks.push(c));
    stream.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    stream.on("error", reject);
  });
}

function bibtexItems(request, result) {
  if (!request.bibtex.length) return [];
  const { plugins } = need("@citation-js/core");
  need("@citation-js/plugin-bibtex");
  const config = plugins.config.get("@bibtex");
  config.parse.sentenceCase = "never"; // titles as written, as Pandoc keeps them
  const parse = (text, strict) => {
    config.parse.strict = strict;
    return plugins.input.chain(text, { forceType: "@biblatex/text", generateGraph: false });
  };
  const out = [];
  for (const { source, text } of request.bibtex) {
    let items;
    try {
      items = parse(text, true); // a syntax error is reported, not a file silently dropped
    } catch (error) {
      const message = String(error.message);
      if (!message.startsWith("Invalid entries")) { // missing fields: Pressroom warns about those
        const line = /at line (\d+)/.exec(message);
        result.bad.push({ source, message: message.split("\n")[0], line: line ? Number(line[1]) : null });
        continue;
      }
      items = parse(text, false);
    }
    for (const item of items) {
      delete item["citation-key"];
      out.push({ source, item });
    }
  }
  return out;
}

(async () => {
  const request = JSON.parse(await readAll(process.stdin));
  const result = { entries: [], items: {}, bad: [], citations: {}, authors: {}, bibliography: [], klass: "" };
  const all = [...bibtexItems(request, result), ...request.items];
  for (const { source, item } of all) {
    const id = String(item.id);
    result.entries.push({ id, source });
    if (!(id in result.items)) result.items[id] = { ...item, id };
  }
  const CSL = need("citeproc");
  const sys = {
    retrieveLocale: (lang) => request.locales[lang] || request.locales["en-US"],
    retrieveItem: (id) => result.items[id],
  };
  const engine = new CSL.Engine(sys, request.style, request.lang, true);
  engine.opt.development_extensions.wrap_url_and_doi = true; // DOIs and URLs are live links
  engine.setOutputFormat("html");
  result.klass = engine.cslXml.dataObj.attrs["class"];
  const known = (c) => c.id in result.items;
  const citations = [];
  for (const cluster of request.clusters) {
    const items = cluster.items.filter(known);
    if (!items.length) continue;
    citations.push({ citationID: cluster.id, citationItems: items, properties: { noteIndex: cluster.noteIndex } });
  }
  const uncited = request.nocite.includes("*") ? Object.keys(result.items) : request.nocite.filter((id) => id in result.items);
  for (const [id, , html] of engine.rebuildProcessorState(citations, "html", uncited)) {
    result.citations[id] = html;
  }
  for (const cluster of request.clusters) {
    if (cluster.narrative && cluster.narrative in result.items) {
      // the author named in the text: rendered without entering the citation history
      result.authors[cluster.id] = engine.makeCitationCluster([{ id: cluster.narrative, "author-only": true }]);
    }
  }
  if (engine.cslXml.dataObj.children.some((c) => c.name === "bibliography")) {
    const [params, entries] = engine.makeBibliography();
    params.entry_ids.forEach((ids, i) => result.bibliography.push({ id: String(ids[0]), html: entries[i] }));
  }
  process.stdout.write(JSON.stringify(result));
})().catch((error) => {
  process.stderr.write(String(error && error.stack || error) + "\n");
  process.exit(1);
});
