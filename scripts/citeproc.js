// Pressroom's citation processor: citeproc-js (Zotero's engine, npm `citeproc`), run once per brief.
// Usage: node scripts/citeproc.js TOOLS_DIR [--no-patches] < request > result.json
//
// The request comes in two parts on standard input, so that the build can start this process as
// soon as it knows the brief's style and sources, and send its citations once its sections are
// read: the engine is built and the BibTeX read while the build parses the Markdown.
//   first line, one JSON object: the style and the entries
//     style: the CSL style's XML; locales: {"en-US": XML, ...}; lang: "en-US"
//     bibtex: [{source, text}]     BibTeX/BibLaTeX files, converted by Citation.js (@citation-js/plugin-bibtex)
//     items: [{source, item}]      CSL-JSON items (from .json, .yaml files and `references:`)
//   the rest, to the end of the input, one JSON object: the citations
//     clusters: [{id, noteIndex, items: [{id, locator, label, prefix, suffix, "suppress-author"}],
//                 narrative: id | null}]    in the order of the brief
//     nocite: ["key", ...] or ["*"]
// The result (one JSON object on standard output):
//   entries: [{id, source}]      every entry read, in order (duplicates included, first one wins)
//   items: {id: CSL item}        the merged items; bad: [{source, message, line}] unreadable BibTeX
//   klass: "note" | "in-text"; citations: {cluster id: HTML}; authors: {cluster id: HTML}
//   bibliography: [{id, html}]   in the style's order
// Nothing is fetched: every style, locale and item comes in the request.
//
// One speed patch, applied only to the citeproc-js release it was tested on (TESTED; any other
// runs as it comes, and --no-patches turns it off, for the test that compares the two): while
// the engine builds its token lists, each call of a macro looks the macro up by walking the whole
// style, which for Chicago's 240 kB notes style is half of the engine's construction. The patch
// answers those look-ups from an index of the style's macros made once per build, the same nodes
// in the same order (tests/test_citations.py compares the answers with and without it).
"use strict";
const [tools, ...flags] = process.argv.slice(2);
const need = (name) => require(require.resolve(name, { paths: [tools] }));
const TESTED = ["1.4.61"]; // CSL.PROCESSOR_VERSION of npm citeproc 2.4.63 (.tools/package-lock.json)

// The two parts of the request: the first line as soon as it has come, then the rest at the end.
function readParts(stream) {
  const chunks = [];
  let first = null, ended = false, waiting = null;
  const firstLine = new Promise((resolve, reject) => {
    stream.on("data", (chunk) => {
      chunks.push(chunk);
      if (first === null && chunk.includes(10)) {
        const all = Buffer.concat(chunks.splice(0));
        const at = all.indexOf(10);
        first = all.subarray(0, at).toString("utf8");
        chunks.push(all.subarray(at + 1));
        resolve(first);
      }
    });
    stream.on("end", () => {
      ended = true;
      if (first === null) resolve(Buffer.concat(chunks.splice(0)).toString("utf8"));
      if (waiting) waiting();
    });
    stream.on("error", reject);
  });
  const rest = () => new Promise((resolve) => {
    const done = () => resolve(Buffer.concat(chunks).toString("utf8"));
    if (ended) done(); else waiting = done;
  });
  return { firstLine, rest };
}

function indexMacros(CSL) {
  const proto = CSL.XmlJSON && CSL.XmlJSON.prototype;
  if (!TESTED.includes(CSL.PROCESSOR_VERSION) || !proto || !CSL.Engine.prototype.buildTokenLists) return;
  const lookUp = proto.getNodesByName, build = CSL.Engine.prototype.buildTokenLists;
  CSL.Engine.prototype.buildTokenLists = function (areaNodes, target) {
    const xml = this.cslXml, root = xml && xml.dataObj;
    if (!(xml instanceof CSL.XmlJSON) || !root) return build.call(this, areaNodes, target);
    const macros = new Map(); // name -> its macro nodes, in the order the walk finds them
    for (const node of lookUp.call(xml, root, "macro")) {
      const name = node.attrs && node.attrs.name;
      if (!macros.has(name)) macros.set(name, []);
      macros.get(name).push(node);
    }
    xml.getNodesByName = function (node, name, value, found) {
      if (node === root && name === "macro" && value && !found) return (macros.get(value) || []).slice();
      return lookUp.apply(this, arguments);
    };
    try {
      return build.call(this, areaNodes, target);
    } finally {
      delete xml.getNodesByName; // the prototype's again, for the rest of the engine's life
    }
  };
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
  const parts = readParts(process.stdin);
  const head = JSON.parse(await parts.firstLine); // the style and the entries
  const result = { entries: [], items: {}, bad: [], citations: {}, authors: {}, bibliography: [], klass: "" };
  const CSL = need("citeproc");
  if (!flags.includes("--no-patches")) indexMacros(CSL);
  const sys = {
    retrieveLocale: (lang) => head.locales[lang] || head.locales["en-US"],
    retrieveItem: (id) => result.items[id],
  };
  const engine = new CSL.Engine(sys, head.style, head.lang, true);
  engine.opt.development_extensions.wrap_url_and_doi = true; // DOIs and URLs are live links
  engine.setOutputFormat("html");
  result.klass = engine.cslXml.dataObj.attrs["class"];
  const all = [...bibtexItems(head, result), ...head.items];
  for (const { source, item } of all) {
    const id = String(item.id);
    result.entries.push({ id, source });
    if (!(id in result.items)) result.items[id] = { ...item, id };
  }
  const request = JSON.parse(await parts.rest()); // the citations
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
