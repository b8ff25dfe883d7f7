// The handbook's search: checkframe's own index (checkframe/search.py), no server, no library.
// Index files are JavaScript that calls cfSearch.load(name, data); they are loaded with <script> tags,
// which browsers allow from file:// too. The query logic is search.query() in Python; keep the two in step.
// Two views share one engine: the header's box shows the best hits as you type (a dropdown), the search page
// lists every hit, with a sector filter.
(function () {
  "use strict";
  var pageForm = document.getElementById("search");
  var headerForm = document.getElementById("header-search");
  var bundleForm = pageForm || headerForm;
  if (!bundleForm) return;
  var base = new URL(bundleForm.getAttribute("data-bundle"), location.href).href.replace(/[^/]*$/, "");
  var root = base.replace(/search\/$/, "");

  // -- Loading index files ---------------------------------------------------------------
  var waiting = {};
  var loaded = {};
  window.cfSearch = {
    load: function (name, data) {
      if (waiting[name]) waiting[name](data);
    }
  };
  function load(name) {
    if (!loaded[name]) {
      loaded[name] = new Promise(function (resolve, reject) {
        waiting[name] = resolve;
        var script = document.createElement("script");
        script.src = base + name + ".js";
        script.onerror = function () { reject(new Error("cannot load " + name)); };
        // After the file ran: a file that did not register its data is broken.
        script.onload = function () { reject(new Error("bad index file " + name)); };
        document.head.appendChild(script);
      });
      loaded[name].catch(function () { delete loaded[name]; });
    }
    return loaded[name];
  }

  // -- Text and tokens: as fold(), query_tokens() and token_hash() in search.py ----------------
  var CJK = "\u2e80-\u2fdf\u3005\u3007\u3021-\u3029\u3038-\u303b\u3040-\u30ff\u3100-\u312f\u31a0-\u31bf\u31f0-\u31ff" +
    "\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\u{20000}-\u{3134f}";
  var TOKEN = new RegExp("([" + CJK + "]+)|([a-z0-9]+)", "gu");

  // Character by character, each folded once: the folded text is as long as the text (in UTF-16 units too).
  var folding = new Map();
  function fold(text) {
    var out = "";
    for (var c of text) {
      var f = folding.get(c);
      if (f === undefined) {
        f = c.normalize("NFKC").toLowerCase();
        if (f.length !== c.length || Array.from(f).length !== 1) f = c;
        folding.set(c, f);
      }
      out += f;
    }
    return out;
  }
  function queryTokens(term) {
    var found = [];
    var match;
    TOKEN.lastIndex = 0;
    while ((match = TOKEN.exec(term)) !== null) {
      if (match[1]) {
        var run = Array.from(match[1]);
        if (run.length === 1) found.push(run[0]);
        for (var i = 0; i + 1 < run.length; i++) found.push(run[i] + run[i + 1]);
      } else {
        found.push(match[2]);
      }
    }
    return found.filter(function (t, i) { return found.indexOf(t) === i; });
  }
  function tokenHash(token) {
    var h = 0x811c9dc5;
    for (var c of token) h = Math.imul((h ^ c.codePointAt(0)) >>> 0, 0x01000193) >>> 0;
    return h;
  }
  function termsOf(text) {
    var seen = [];
    fold(text).split(/\s+/).forEach(function (term) {
      if (term && seen.indexOf(term) < 0 && queryTokens(term).length) seen.push(term);
    });
    return seen;
  }
  function undelta(deltas) {
    var total = 0;
    return deltas.map(function (d) { total += d; return total; });
  }

  // -- The query: as search.query() and search.rank() ----------------------------------------
  var meta = null;
  var sectorOf = null;
  var ready = null;

  function start() {
    if (!ready) {
      ready = load("meta").then(function (data) {
        meta = data;
        sectorOf = [];
        meta.sectorRuns.forEach(function (r) { for (var i = 0; i < r[1]; i++) sectorOf.push(r[0]); });
        return meta;
      });
      ready.catch(function () { ready = null; });
    }
    return ready;
  }

  function candidates(terms, sector) {
    var needed = [];
    terms.forEach(function (term) { needed = needed.concat(queryTokens(term)); });
    return Promise.all(needed.map(function (token) {
      return load("t-" + (tokenHash(token) % meta.shards)).then(function (shard) {
        return Object.prototype.hasOwnProperty.call(shard, token) ? shard[token] : [[], []];
      });
    })).then(function (postings) {
      var every = null, titled = null;
      postings.forEach(function (p) {
        var all = new Set(undelta(p[0])), inTitle = new Set(undelta(p[1]));
        every = every === null ? all : new Set(Array.from(every).filter(function (n) { return all.has(n); }));
        titled = titled === null ? inTitle : new Set(Array.from(titled).filter(function (n) { return inTitle.has(n); }));
      });
      var ordered = Array.from(every).sort(function (a, b) { return a - b; });
      if (sector !== "") {
        var keep = meta.sectors.indexOf(sector);
        if (keep < 0) keep = -2;  // an unknown sector has no pages
        ordered = ordered.filter(function (n) { return sectorOf[n] === keep; });
      }
      return { every: ordered, titled: titled };
    });
  }

  function doc(n) {
    var lo = 0, hi = meta.chunks.length - 1;  // the last chunk starting at or before n
    while (lo < hi) {
      var mid = (lo + hi + 1) >> 1;
      if (meta.chunks[mid] <= n) lo = mid; else hi = mid - 1;
    }
    return load("d-" + lo).then(function (chunk) { return chunk[n - meta.chunks[lo]]; });
  }

  // Every hit of `text` (in `sector`, "" for all), best first: {path, title, sector, text, major, terms}.
  function search(text, sector) {
    var terms = termsOf(text);
    if (!terms.length) return Promise.resolve({ terms: terms, hits: [] });
    return start().then(function () { return candidates(terms, sector); }).then(function (cands) {
      return Promise.all(cands.every.map(doc)).then(function (docs) {
        var hits = [];
        docs.forEach(function (d, i) {
          var n = cands.every[i], title = fold(d[1]);
          var inTitle = cands.titled.has(n) && terms.every(function (t) { return title.indexOf(t) >= 0; });
          var all = title + "\n" + fold(d[3]);
          if (inTitle || terms.every(function (t) { return all.indexOf(t) >= 0; })) {
            hits.push({ rank: (d[4] ? 0 : 2) + (inTitle ? 0 : 1), n: n, doc: d });
          }
        });
        hits.sort(function (a, b) { return a.rank - b.rank || a.n - b.n; });
        return { terms: terms, hits: hits.map(function (h) { return h.doc; }) };
      });
    });
  }

  // -- Showing a hit ---------------------------------------------------------------------------
  function excerpt(text, terms, size) {
    var folded = fold(text);
    var first = -1;
    terms.forEach(function (t) {
      var at = folded.indexOf(t);
      if (at >= 0 && (first < 0 || at < first)) first = at;
    });
    if (first < 0) first = 0;
    // Within the hit's line (a paragraph, a list item, a cell of the page): no run-on into the next block.
    var lineStart = text.lastIndexOf("\n", first) + 1, lineEnd = text.indexOf("\n", first);
    if (lineEnd < 0) lineEnd = text.length;
    var start = Math.max(lineStart, first - Math.round(size / 4)), end = Math.min(lineEnd, start + size);
    while (start < first && text[start] === " ") start++;
    var marks = [];
    terms.forEach(function (t) {
      for (var at = folded.indexOf(t, start); at >= 0 && at < end; at = folded.indexOf(t, at + 1)) {
        marks.push([at, Math.min(end, at + t.length)]);
      }
    });
    marks.sort(function (a, b) { return a[0] - b[0]; });
    var p = document.createElement("p");
    p.className = "excerpt";
    var at = start;
    if (start > lineStart) p.appendChild(document.createTextNode("…"));
    marks.forEach(function (m) {
      if (m[1] <= at) return;
      var s = Math.max(m[0], at);
      p.appendChild(document.createTextNode(text.slice(at, s)));
      var mark = document.createElement("mark");
      mark.textContent = text.slice(s, m[1]);
      p.appendChild(mark);
      at = m[1];
    });
    p.appendChild(document.createTextNode(text.slice(at, end) + (end < lineEnd ? "…" : "")));
    return p;
  }

  // The hit's title line: its title, a 重大 badge for a major hazard, its sector.
  function heading(d, titleClass) {
    var line = document.createElement("span");
    line.className = "hit-heading";
    var title = document.createElement("span");
    title.className = titleClass;
    title.textContent = d[1] || d[0];
    line.appendChild(title);
    if (d[5]) {
      var badge = document.createElement("span");
      badge.className = "level level-major";
      badge.textContent = "重大";
      line.appendChild(document.createTextNode(" "));
      line.appendChild(badge);
    }
    if (d[2] >= 0) {
      var sector = document.createElement("span");
      sector.className = "meta search-result-sector";
      sector.textContent = " · " + meta.sectors[d[2]];
      line.appendChild(sector);
    }
    return line;
  }

  // -- The search page -------------------------------------------------------------------------
  function searchPage() {
    var input = document.getElementById("search-q");
    var select = document.getElementById("search-sector");
    var status = document.getElementById("search-status");
    var list = document.getElementById("search-results");
    var moreButton = document.getElementById("search-more");
    var notice = document.getElementById("search-unavailable");
    var PAGE = 20;
    var current = null;

    function unavailable() {
      notice.hidden = false;
      status.textContent = "";
      moreButton.hidden = true;
    }

    function showMore() {
      var view = current;
      view.hits.slice(view.shown, view.shown + PAGE).forEach(function (d) {
        var item = document.createElement("li");
        item.className = "search-result";
        var link = document.createElement("a");
        link.className = "search-result-link";
        link.href = root + d[0];
        link.textContent = d[1] || d[0];
        var line = heading(d, "hit-title");
        line.replaceChild(link, line.firstChild);
        item.appendChild(line);
        item.appendChild(excerpt(d[3], view.terms, 120));
        list.appendChild(item);
      });
      view.shown = Math.min(view.hits.length, view.shown + PAGE);
      moreButton.hidden = view.shown >= view.hits.length;
      status.textContent = view.shown < view.hits.length
        ? "共找到 " + view.hits.length + " 个结果，已显示 " + view.shown + " 个。"
        : "共找到 " + view.hits.length + " 个结果。";
    }

    function noHits(text, sector) {
      status.textContent = "";
      if (!sector) {
        status.textContent = "没有找到包含“" + text + "”的页面。可以换一个词，或按行业浏览全部检查项。";
        return;
      }
      status.appendChild(document.createTextNode("在“" + sector + "”中没有找到包含“" + text + "”的页面。"));
      var clear = document.createElement("button");
      clear.type = "button";
      clear.className = "clear-filter";
      clear.textContent = "在全部行业中搜索";
      clear.addEventListener("click", function () { select.value = ""; run(); input.focus(); });
      status.appendChild(clear);
    }

    function run() {
      var text = input.value.trim();
      var sector = select.value;
      try {
        var params = new URLSearchParams();
        if (text) params.set("q", text);
        if (sector) params.set("sector", sector);
        history.replaceState(null, "", location.pathname + (params.toString() ? "?" + params : ""));
      } catch (e) { /* some browsers refuse it from file:// */ }
      var view = current = { text: text, terms: termsOf(text), hits: [], shown: 0 };
      list.textContent = "";
      moreButton.hidden = true;
      if (!view.terms.length) {
        status.textContent = text ? "请输入要查找的汉字、字母或数字。" : "";
        form.removeAttribute("data-busy");
        return Promise.resolve();
      }
      status.textContent = "正在搜索……";
      form.setAttribute("data-busy", "");
      return search(text, sector).then(function (found) {
        if (view !== current) return;
        view.hits = found.hits;
        if (!found.hits.length) noHits(text, sector); else showMore();
        form.removeAttribute("data-busy");
      }).catch(unavailable);
    }

    var form = pageForm;
    var timer = null;
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(run, 120);
    });
    select.addEventListener("change", run);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      clearTimeout(timer);
      run();
    });
    moreButton.addEventListener("click", function () { if (current) showMore(); });

    start().then(function () {
      meta.sectors.forEach(function (name) {
        var option = document.createElement("option");
        option.value = name;
        option.textContent = name;
        select.appendChild(option);
      });
      var params = new URLSearchParams(location.search);
      input.value = params.get("q") || "";
      if (params.get("sector") && meta.sectors.indexOf(params.get("sector")) >= 0) select.value = params.get("sector");
      form.setAttribute("data-ready", "");
      if (input.value) run();
    }).catch(unavailable);
  }

  // -- The header's box: the best hits as you type ----------------------------------------------
  function headerBox() {
    var input = document.getElementById("header-q");
    var box = document.getElementById("header-results");
    var SHOWN = 8;
    var current = null;
    var active = -1;

    function links() { return box.querySelectorAll("a.hit"); }
    function close() {
      box.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }
    function open() {
      box.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }
    function select(i) {
      var all = links();
      if (!all.length) return;
      active = (i + all.length) % all.length;
      all.forEach(function (a, k) { a.setAttribute("aria-selected", k === active ? "true" : "false"); });
      input.setAttribute("aria-activedescendant", all[active].id);
      all[active].scrollIntoView({ block: "nearest" });
    }
    function allResults(text) {
      return root + "search.html?q=" + encodeURIComponent(text);
    }

    function render(text, found) {
      box.textContent = "";
      active = -1;
      var status = document.createElement("p");
      status.className = "dropdown-status";
      status.setAttribute("role", "status");
      box.appendChild(status);
      if (!found.hits.length) {
        status.textContent = "没有找到包含“" + text + "”的页面。";
      } else {
        status.textContent = "共找到 " + found.hits.length + " 个结果" +
          (found.hits.length > SHOWN ? "，以下是前 " + SHOWN + " 个" : "");
        var list = document.createElement("ol");
        list.setAttribute("role", "listbox");
        list.setAttribute("aria-label", "搜索结果");
        found.hits.slice(0, SHOWN).forEach(function (d, i) {
          var item = document.createElement("li");
          item.setAttribute("role", "presentation");
          var link = document.createElement("a");
          link.className = "hit";
          link.id = "header-hit-" + i;
          link.setAttribute("role", "option");
          link.href = root + d[0];
          link.appendChild(heading(d, "hit-title"));
          link.appendChild(excerpt(d[3], found.terms, 60));
          item.appendChild(link);
          list.appendChild(item);
        });
        box.appendChild(list);
      }
      var all = document.createElement("a");
      all.className = "all-results";
      all.href = allResults(text);
      all.textContent = found.hits.length ? "在搜索页面查看全部结果" : "打开搜索页面";
      box.appendChild(all);
      open();
    }

    function run() {
      var text = input.value.trim();
      var mine = current = {};
      if (!termsOf(text).length) { close(); headerForm.removeAttribute("data-busy"); return; }
      headerForm.setAttribute("data-busy", "");
      search(text, "").then(function (found) {
        if (mine !== current) return;
        render(text, found);
        headerForm.removeAttribute("data-busy");
      }).catch(function () {
        if (mine !== current) return;
        headerForm.removeAttribute("data-busy");
        close();  // no index: Enter still opens the search page, which explains
      });
    }

    var timer = null;
    input.addEventListener("focus", function () { start().catch(function () {}); });
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(run, 60);
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        if (box.hidden) return;
        event.preventDefault();
        select(active + (event.key === "ArrowDown" ? 1 : -1));
      } else if (event.key === "Escape" && !box.hidden) {
        event.preventDefault();  // the first Escape closes the list; the next one clears the box
        close();
      } else if (event.key === "Enter" && active >= 0 && !box.hidden) {
        event.preventDefault();
        location.href = links()[active].href;
      }
    });
    document.addEventListener("click", function (event) {
      if (!headerForm.contains(event.target)) close();
    });
    headerForm.addEventListener("focusout", function (event) {
      if (event.relatedTarget && !headerForm.contains(event.relatedTarget)) close();
    });
  }

  if (pageForm) searchPage();
  if (headerForm) headerBox();
})();
