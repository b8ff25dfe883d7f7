// The handbook's search: checkframe's own index (checkframe/search.py), no server, no library.
// Index files are JavaScript that calls cfSearch.load(name, data); they are loaded with <script> tags,
// which browsers allow from file:// too. The query logic is search.query() in Python; keep the two in step.
(function () {
  "use strict";
  var form = document.getElementById("search");
  if (!form) return;
  var input = document.getElementById("search-q");
  var select = document.getElementById("search-sector");
  var status = document.getElementById("search-status");
  var list = document.getElementById("search-results");
  var moreButton = document.getElementById("search-more");
  var notice = document.getElementById("search-unavailable");
  var PAGE = 10;
  var base = new URL(form.getAttribute("data-bundle"), location.href).href.replace(/[^/]*$/, "");

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

  // -- The query ---------------------------------------------------------------------------
  var meta = null;
  var sectorOf = null;
  var current = null;  // the search being shown: its terms, candidates and how far they were looked at

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

  // The next `count` results of the current search: title matches first, then the rest, in catalog order.
  function next(search, count) {
    var out = [];
    function step() {
      if (out.length >= count) return Promise.resolve(out);
      var phase = search.phase, list = search.cands.every;
      while (search.i < list.length && (phase === 0 ? !search.cands.titled.has(list[search.i]) : search.shown.has(list[search.i]))) {
        search.i++;
      }
      if (search.i >= list.length) {
        if (phase === 1) { search.done = true; return Promise.resolve(out); }
        search.phase = 1;
        search.i = 0;
        return step();
      }
      var batch = list.slice(search.i, search.i + count * 2);
      return Promise.all(batch.map(doc)).then(function () {
        var n = list[search.i++];
        return doc(n).then(function (d) {
          var title = fold(d[1]);
          if (phase === 0) {
            if (search.terms.every(function (t) { return title.indexOf(t) >= 0; })) {
              search.shown.add(n);
              out.push(d);
            }
          } else if (search.terms.every(function (t) { return fold(d[3]).indexOf(t) >= 0; })) {
            out.push(d);
          }
          return step();
        });
      });
    }
    return step();
  }

  // -- Showing results ---------------------------------------------------------------------
  function excerpt(text, title, terms) {
    var folded = fold(text);
    var from = text.indexOf(title);
    from = from >= 0 ? from + title.length : 0;
    var first = -1;
    [from, 0].some(function (start) {
      terms.forEach(function (t) {
        var at = folded.indexOf(t, start);
        if (at >= 0 && (first < 0 || at < first)) first = at;
      });
      return first >= 0;
    });
    if (first < 0) first = 0;
    // Not before the title's end when the match is after it: the title is shown above the excerpt.
    var start = Math.max(first >= from ? from : 0, first - 30), end = Math.min(text.length, first + 90);
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
    if (start > 0) p.appendChild(document.createTextNode("…"));
    marks.forEach(function (m) {
      if (m[1] <= at) return;
      var s = Math.max(m[0], at);
      p.appendChild(document.createTextNode(text.slice(at, s)));
      var mark = document.createElement("mark");
      mark.textContent = text.slice(s, m[1]);
      p.appendChild(mark);
      at = m[1];
    });
    p.appendChild(document.createTextNode(text.slice(at, end) + (end < text.length ? "…" : "")));
    return p;
  }

  function show(search, docs) {
    docs.forEach(function (d) {
      var item = document.createElement("li");
      item.className = "search-result";
      var link = document.createElement("a");
      link.className = "search-result-link";
      link.href = d[0];
      link.textContent = d[1] || d[0];
      item.appendChild(link);
      if (d[2] >= 0) {
        var sector = document.createElement("span");
        sector.className = "meta search-result-sector";
        sector.textContent = " · " + meta.sectors[d[2]];
        item.appendChild(sector);
      }
      item.appendChild(excerpt(d[3], d[1], search.terms));
      list.appendChild(item);
    });
    search.count += docs.length;
    moreButton.hidden = search.done;
    if (search.count === 0) {
      status.textContent = "没有找到包含“" + search.text + "”的页面。可以换一个词，或按行业浏览全部检查项。";
    } else {
      status.textContent = search.done ? "共找到 " + search.count + " 个页面。" : "已显示 " + search.count + " 个页面。";
    }
  }

  function unavailable() {
    notice.hidden = false;
    status.textContent = "";
    moreButton.hidden = true;
  }

  function run() {
    var text = input.value.trim();
    var sector = select.value;
    var terms = termsOf(text);
    try {
      var params = new URLSearchParams();
      if (text) params.set("q", text);
      if (sector) params.set("sector", sector);
      history.replaceState(null, "", location.pathname + (params.toString() ? "?" + params : ""));
    } catch (e) { /* some browsers refuse it from file:// */ }
    list.textContent = "";
    moreButton.hidden = true;
    var search = current = { text: text, terms: terms, phase: 0, i: 0, shown: new Set(), count: 0, done: false };
    if (!terms.length) {
      status.textContent = text ? "请输入要查找的汉字、字母或数字。" : "";
      return Promise.resolve();
    }
    status.textContent = "正在搜索……";
    return candidates(terms, sector).then(function (cands) {
      if (search !== current) return null;
      search.cands = cands;
      return next(search, PAGE).then(function (docs) { if (search === current) show(search, docs); });
    }).catch(unavailable);
  }

  function more() {
    var search = current;
    if (!search || search.done) return;
    moreButton.disabled = true;
    next(search, PAGE).then(function (docs) {
      if (search === current) show(search, docs);
    }).catch(unavailable).then(function () { moreButton.disabled = false; });
  }

  var timer = null;
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(run, 150);
  });
  select.addEventListener("change", run);
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    clearTimeout(timer);
    run();
  });
  moreButton.addEventListener("click", more);

  load("meta").then(function (data) {
    meta = data;
    sectorOf = [];
    meta.sectorRuns.forEach(function (r) { for (var i = 0; i < r[1]; i++) sectorOf.push(r[0]); });
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
})();
