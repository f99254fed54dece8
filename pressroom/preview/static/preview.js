// Pressroom preview: follows the server's state over server-sent events and reloads what changed.
"use strict";
(() => {
  const $ = (id) => document.getElementById(id);
  let shown = { html: 0, pdf: 0 };

  function list(element, items) {
    element.replaceChildren(...items.map((text) => {
      const li = document.createElement("li");
      li.textContent = text;
      return li;
    }));
  }

  function reloadHtml(generation) {
    const frame = $("html");
    let y = 0;
    try { y = frame.contentWindow.scrollY; } catch (e) { y = 0; }
    frame.addEventListener("load", () => {
      try { frame.contentWindow.scrollTo(0, y); } catch (e) { /* a blank frame */ }
    }, { once: true });
    frame.contentWindow.location.replace(`/edition/index.html?v=${generation}`);
  }

  // The PDF's pages as images in one scrolling pane: a rebuild swaps each picture in place, so
  // the page and the scroll position stay where the editor was (a PDF viewer restarts at page 1).
  function reloadPdf(generation, pages) {
    const pane = $("pdf");
    while (pane.children.length > pages) pane.lastElementChild.remove();
    for (let n = 1; n <= pages; n += 1) {
      let img = pane.children[n - 1];
      if (!img) {
        img = document.createElement("img");
        img.loading = "lazy";
        img.alt = `Page ${n}`;
        pane.append(img);
      }
      img.src = `/page/${n}.png?v=${generation}`;
    }
  }

  function render(state) {
    document.title = `${state.title} · preview`;
    $("title").textContent = state.title;
    const parts = [];
    if (state.built) parts.push(`built ${state.built} in ${state.seconds} s`);
    if (state.status) parts.push(state.status);
    if (state.pages) parts.push(`${state.pages} pages`);
    parts.push(`${state.warnings.length} warning${state.warnings.length === 1 ? "" : "s"}`);
    if (state.errors.length) parts.push("error");
    $("status").textContent = parts.join(" · ");
    $("status").classList.toggle("busy", state.busy);
    $("errors").hidden = state.errors.length === 0;
    list($("error-list"), state.errors);
    $("warnings").hidden = state.warnings.length === 0;
    $("warning-count").textContent = `${state.warnings.length} warning${state.warnings.length === 1 ? "" : "s"}`;
    list($("warning-list"), state.warnings);
    if (state.html && state.html !== shown.html) { shown.html = state.html; reloadHtml(state.html); }
    if (state.pdf && state.pdf !== shown.pdf) { shown.pdf = state.pdf; reloadPdf(state.pdf, state.pages || 0); }
  }

  const events = new EventSource("/events");
  events.addEventListener("state", (event) => render(JSON.parse(event.data)));
  events.addEventListener("error", () => { $("status").textContent = "disconnected; is `invoke preview` still running?"; });
})();
