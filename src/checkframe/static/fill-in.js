/* The fill-in mode of a checklist page (填写检查记录): an inspection record filled in the browser, offline.
 *
 * The rules come from the page (<script id="fill-in-rules">, written by the build from the model and the
 * catalog: checkframe.catalog.record_rules.describe); checkRecord below is record_rules.check_record in
 * the browser, with the same messages.  Drafts live in localStorage (photos in IndexedDB); "保存记录"
 * downloads the record as TOML exactly as the ledger reads it, or a zip with its photos.  No request
 * leaves the page.
 */
(function () {
  'use strict';

  var rulesNode = document.getElementById('fill-in-rules');
  if (!rulesNode) return;
  var R = JSON.parse(rulesNode.textContent);
  if (R.version !== 1) return;
  var STORE = 'checkframe.fill-in.v1';
  var points = {};
  R.checkpoints.forEach(function (c) { points[c.id] = c; });
  var categories = {};
  R.categories.forEach(function (c) { categories[c.code] = c; });
  var fieldsByCode = {};
  R.fields.forEach(function (f) { fieldsByCode[f.code] = f; });

  // -- The rules (record_rules.check_record) -----------------------------------------------------

  function cut(v) {  // a value longer than R.longest_value characters, cut with an ellipsis (record_rules.cut)
    var chars = Array.from(v);
    return chars.length > R.longest_value ? chars.slice(0, R.longest_value).join('') + '\u2026' : v;
  }
  function fmt(name, values) {
    return R.messages[name].replace(/\{(\w+)\}/g, function (_, k) {
      var v = values[k];
      if (v === undefined) return '';
      return typeof v === 'string' && k !== 'subject' ? cut(v) : String(v);
    });
  }
  function text(v) { return typeof v === 'string' ? v.trim() : ''; }
  function isoDate(v) {
    if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(v)) return null;
    var d = new Date(v + 'T00:00:00Z');
    return !isNaN(d) && d.toISOString().slice(0, 10) === v ? v : null;
  }
  function label(choices, code, none) {
    for (var i = 0; i < choices.length; i++) if (choices[i].code === code) return choices[i].label;
    return none === undefined ? String(code) : none;
  }
  function codes(choices) { return choices.map(function (c) { return c.code; }); }
  function has(list, v) { return list.indexOf(v) >= 0; }

  function checkRecord(record) {
    var found = [];
    function say(key, name, values) { found.push([key, fmt(name, values || {})]); }
    if (!text(record.unit)) say('$.unit', 'unit');
    var date = isoDate(record.date);
    if (date === null) say('$.date', 'date');
    var kind = record.kind;
    if (!has(codes(R.kinds), kind)) say('$.kind', 'kind');
    var checklist = R.checklist.id;
    if (record.checklist !== checklist) say('$.checklist', 'checklist', {checklist: record.checklist || ''});
    var marks = codes(R.marks);
    (record.item || []).forEach(function (item, i) {
      var cp = item.checkpoint || '';
      if (!points[cp]) say('$.item[' + i + '].checkpoint', 'item_checkpoint', {checkpoint: cp, checklist: checklist});
      if (!has(marks, item.mark === undefined ? '' : item.mark)) {
        say('$.item[' + i + '].mark', 'mark', {n: i + 1, title: points[cp] ? points[cp].title : cp});
      }
    });
    var pattern = new RegExp(R.id_pattern);
    var waived = R.waived[kind] || [];
    var seen = {};
    (record.finding || []).forEach(function (finding, i) {
      var where = '$.finding[' + i + ']';
      var cp = finding.checkpoint || '';
      var point = points[cp];
      var subject = '第' + (i + 1) + '项隐患（' + (point ? point.title : cut(cp)) + '）';
      var id = finding.id === undefined ? '' : finding.id;
      if (!(typeof id === 'string' && pattern.test(id) && id.length <= R.id_max_length)) {
        say(where + '.id', 'finding_id', {subject: subject, id: id});
      } else if (seen[id]) {
        say(where + '.id', 'finding_id_twice', {subject: subject, id: id});
      }
      seen[typeof id === 'string' ? id : ''] = true;
      if (!point) say(where + '.checkpoint', 'finding_checkpoint', {subject: subject, checkpoint: cp, checklist: checklist});
      if (!text(finding.description)) say(where + '.description', 'description', {subject: subject});
      var level = finding.level;
      if (!has(codes(R.levels), level)) {
        say(where + '.level', 'level', {subject: subject});
        level = null;
      } else if (point && level !== point.level && !text(finding.level_reason)) {
        say(where + '.level_reason', 'level_reason', {subject: subject, expected: label(R.levels, point.level)});
      }
      if (finding.source !== undefined && finding.source !== null && !has(codes(R.sources), finding.source)) {
        say(where + '.source', 'source', {subject: subject});
      }
      var rem = finding.remediation;
      if (rem && typeof rem === 'object') {
        var category = categories[rem.category || ''];
        if (!category) {
          say(where + '.remediation.category', 'category', {subject: subject});
        } else {
          if (level !== null && !has(category.levels, level)) {
            say(where + '.remediation.category', 'category_level', {subject: subject, category: category.name,
              levels: category.levels.map(function (lv) { return label(R.levels, lv); }).join('、'),
              level: label(R.levels, level)});
          }
          category.requires.forEach(function (code) {
            if (has(waived, code)) return;
            var v = rem[code];
            if (v === undefined || v === null || v === '' || (typeof v === 'string' && !v.trim())) {
              say(where + '.remediation.' + code, 'required', {subject: subject, category: category.name,
                field: fieldsByCode[code].label});
            }
          });
          R.fields.forEach(function (field) {
            var v = rem[field.code];
            if (v === undefined || v === null || v === '') return;
            var key = where + '.remediation.' + field.code;
            if (field.type === 'date') {
              var day = isoDate(v);
              if (day === null) say(key, 'field_date', {subject: subject, field: field.label});
              else if (field.code === 'deadline' && date !== null && day < date) {
                say(key, 'deadline_early', {subject: subject, field: field.label});
              }
            } else if (field.type === 'choice' && !has(codes(R.supervision_levels), v)) {
              say(key, 'supervision_level', {subject: subject});
            }
          });
        }
      }
      var stop = finding.stop;
      if (stop && typeof stop === 'object') {
        if (level !== null && level !== 'major') say(where + '.stop', 'stop_level', {subject: subject});
        if (!has(codes(R.stop_kinds), stop.kind === undefined ? 'production_stop' : stop.kind)) {
          say(where + '.stop.kind', 'stop_kind', {subject: subject});
        }
        if (!has(codes(R.stop_scopes), stop.scope === undefined ? 'full' : stop.scope)) {
          say(where + '.stop.scope', 'stop_scope', {subject: subject});
        }
      }
    });
    return found;
  }

  // -- TOML, as checkframe.ledger.records writes it ----------------------------------------------

  function tomlString(s) {
    return '"' + String(s).replace(/[\\"\u0000-\u001f\u007f]/g, function (c) {
      var named = {'\\': '\\\\', '"': '\\"', '\n': '\\n', '\t': '\\t', '\r': '\\r', '\b': '\\b', '\f': '\\f'}[c];
      return named || '\\u' + ('000' + c.charCodeAt(0).toString(16)).slice(-4);
    }) + '"';
  }
  function tomlValue(v, isDate) {
    if (isDate && isoDate(v)) return v;
    if (Array.isArray(v)) return '[' + v.map(function (x) { return tomlString(x); }).join(', ') + ']';
    return tomlString(v);
  }
  var DATE_KEYS = {date: 1, deadline: 1, notice_date: 1};
  function tomlTable(header, obj, order) {
    var lines = header ? [header] : [];
    order.forEach(function (k) {
      if (obj[k] === undefined || obj[k] === null) return;
      lines.push(k + ' = ' + tomlValue(obj[k], DATE_KEYS[k] && isoDate(obj[k])));
    });
    return lines.join('\n') + '\n';
  }
  var REM_KEYS = ['category'].concat(R.fields.map(function (f) { return f.code; }));

  /* The record's TOML.  ``record`` is the record's data as checkRecord sees it (dates as ISO strings). */
  function toToml(record) {
    var out = ['# 检查记录：由检查手册“填写检查记录”生成，用 checkframe inspect import 导入台账。\n'];
    out.push(tomlTable('', record, ['unit', 'date', 'kind', 'checklist', 'follows', 'checking_unit', 'inspectors', 'note']));
    if (record.item && record.item.length) {
      out.push('item = [\n' + record.item.map(function (it) {
        return '    { checkpoint = ' + tomlString(it.checkpoint) + ', title = ' + tomlString(it.title || '') +
          ', mark = ' + tomlString(it.mark || '') + ' },\n';
      }).join('') + ']\n');
    }
    (record.finding || []).forEach(function (f) {
      out.push('\n' + tomlTable('[[finding]]', f, ['id', 'checkpoint', 'description', 'level', 'level_reason', 'source',
        'reported_to', 'evidence']));
      if (f.remediation) {
        var rem = {};
        REM_KEYS.forEach(function (k) { if (f.remediation[k] !== undefined && f.remediation[k] !== '') rem[k] = f.remediation[k]; });
        if (f.remediation.category === undefined) rem.category = '';
        out.push('\n' + tomlTable('[finding.remediation]', rem, REM_KEYS));
      }
      if (f.stop) out.push('\n' + tomlTable('[finding.stop]', f.stop, ['kind', 'scope', 'order_number', 'date', 'note']));
    });
    [['fixed', ['finding', 'date', 'note']], ['recheck', ['finding', 'about', 'result', 'by', 'date', 'note']],
     ['close', ['finding', 'date', 'approver']]].forEach(function (t) {
      (record[t[0]] || []).forEach(function (e) { out.push('\n' + tomlTable('[[' + t[0] + ']]', e, t[1])); });
    });
    return out.join('');
  }

  // -- A zip of stored entries (no compression; photos are compressed already) --------------------

  var CRC_TABLE = (function () {
    var t = new Uint32Array(256);
    for (var n = 0; n < 256; n++) {
      var c = n;
      for (var k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      t[n] = c >>> 0;
    }
    return t;
  })();
  function crc32(bytes) {
    var c = 0xffffffff;
    for (var i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  }
  function zip(entries) {  // [{name, bytes: Uint8Array}] -> Uint8Array
    var enc = new TextEncoder(), parts = [], central = [], offset = 0;
    function header(sig, size) { var b = new DataView(new ArrayBuffer(size)); b.setUint32(0, sig, true); return b; }
    entries.forEach(function (e) {
      var name = enc.encode(e.name), crc = crc32(e.bytes), size = e.bytes.length;
      var local = header(0x04034b50, 30);
      local.setUint16(4, 20, true); local.setUint16(6, 0x0800, true);  // UTF-8 names
      local.setUint16(8, 0, true); local.setUint16(10, 0, true); local.setUint16(12, 0x21, true);
      local.setUint32(14, crc, true); local.setUint32(18, size, true); local.setUint32(22, size, true);
      local.setUint16(26, name.length, true); local.setUint16(28, 0, true);
      parts.push(new Uint8Array(local.buffer), name, e.bytes);
      var cd = header(0x02014b50, 46);
      cd.setUint16(4, 20, true); cd.setUint16(6, 20, true); cd.setUint16(8, 0x0800, true); cd.setUint16(10, 0, true);
      cd.setUint16(12, 0, true); cd.setUint16(14, 0x21, true);
      cd.setUint32(16, crc, true); cd.setUint32(20, size, true); cd.setUint32(24, size, true);
      cd.setUint16(28, name.length, true); cd.setUint32(42, offset, true);
      central.push(new Uint8Array(cd.buffer), name);
      offset += 30 + name.length + size;
    });
    var cdSize = central.reduce(function (n, p) { return n + p.length; }, 0);
    var end = header(0x06054b50, 22);
    end.setUint16(8, entries.length, true); end.setUint16(10, entries.length, true);
    end.setUint32(12, cdSize, true); end.setUint32(16, offset, true);
    var all = parts.concat(central, [new Uint8Array(end.buffer)]);
    var out = new Uint8Array(all.reduce(function (n, p) { return n + p.length; }, 0)), at = 0;
    all.forEach(function (p) { out.set(p, at); at += p.length; });
    return out;
  }

  window.checkframeFillIn = {checkRecord: checkRecord, toToml: toToml, zip: zip, crc32: crc32, rules: R};

  var app = document.querySelector('[data-fill-in-app]');
  if (!app) return;
  // -- Drafts: localStorage for the record, IndexedDB for its photos ---------------------------

  function loadAll() {
    try { return JSON.parse(localStorage.getItem(STORE) || '{}') || {}; } catch (e) { return {}; }
  }
  var drafts = loadAll();
  function persist() {
    try { localStorage.setItem(STORE, JSON.stringify(drafts)); return true; } catch (e) { return false; }
  }
  var db = null;
  function photoStore(mode) {
    return new Promise(function (resolve, reject) {
      function go() { resolve(db.transaction('photos', mode).objectStore('photos')); }
      if (db) return go();
      if (!window.indexedDB) return reject(new Error('no IndexedDB'));
      var open = indexedDB.open('checkframe-fill-in', 1);
      open.onupgradeneeded = function () { open.result.createObjectStore('photos'); };
      open.onsuccess = function () { db = open.result; go(); };
      open.onerror = function () { reject(open.error); };
    });
  }
  function photoDo(mode, work) {
    return photoStore(mode).then(function (store) {
      return new Promise(function (resolve, reject) {
        var req = work(store);
        req.onsuccess = function () { resolve(req.result); };
        req.onerror = function () { reject(req.error); };
      });
    });
  }
  function photoPut(key, blob) { return photoDo('readwrite', function (s) { return s.put(blob, key); }); }
  function photoGet(key) { return photoDo('readonly', function (s) { return s.get(key); }); }
  function photoDelete(key) { return photoDo('readwrite', function (s) { return s.delete(key); }); }

  // -- Helpers -----------------------------------------------------------------------------------

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      var v = attrs[k];
      if (v === null || v === undefined || v === false) return;
      if (k === 'text') node.textContent = v;
      else if (k.slice(0, 2) === 'on') node.addEventListener(k.slice(2), v);
      else if (k === 'value') node.value = v;
      else if (k === 'checked') node.checked = !!v;
      else node.setAttribute(k, v === true ? '' : v);
    });
    (children || []).forEach(function (c) { if (c) node.appendChild(typeof c === 'string' ? document.createTextNode(c) : c); });
    return node;
  }
  function today() {
    var d = new Date();
    return d.getFullYear() + '-' + ('0' + (d.getMonth() + 1)).slice(-2) + '-' + ('0' + d.getDate()).slice(-2);
  }
  function tag() { return Math.random().toString(36).slice(2, 6).replace(/^[0-9]/, 'x'); }
  var serial = 0;
  function uid(prefix) { serial += 1; return 'fi-' + prefix + '-' + serial; }
  function unitName(code) {
    var u = (R.units || []).filter(function (x) { return x.id === code; })[0];
    return u ? u.name : code;
  }
  function categoryFields(code, kind) {
    var c = categories[code];
    if (!c) return [];
    var waived = R.waived[kind] || [];
    return c.requires.filter(function (f) { return !has(waived, f); });
  }

  // -- A draft and the record it makes -----------------------------------------------------------

  function newDraft(kind) {
    var t = tag();
    return {id: 'd' + Date.now().toString(36) + t, checklist: R.checklist.id, status: 'draft', tag: t, updated: Date.now(),
      record: {unit: '', date: today(), kind: kind || R.checklist.kind, checklist: R.checklist.id, checking_unit: '',
        inspectors: '', note: '', marks: {}, findings: {}}, recheck: null};
  }
  function findingOf(draft, cp) {
    var f = draft.record.findings[cp];
    if (!f) {
      var n = Object.keys(draft.record.findings).length + 1;
      f = draft.record.findings[cp] = {id: 'f-' + (draft.record.date || today()).replace(/-/g, '') + '-' + draft.tag + '-' + n,
        description: '', level: points[cp].level, level_reason: '', source: '', category: '', fields: {}, stop: false,
        stop_kind: R.stop_kinds.length ? R.stop_kinds[0].code : '', stop_scope: 'full', stop_order: '', photos: []};
    }
    return f;
  }
  function inspectorsOf(r) { return r.inspectors.split(/[，,、\s]+/).filter(Boolean); }
  function fileName(draft) {
    var r = draft.record;
    var unit = /^[a-z][a-z0-9_-]*$/.test(r.unit) ? r.unit : draft.tag;
    return (r.date || today()) + '-' + unit + '-' + (draft.recheck ? 'recheck' : R.checklist.id) + '-' + draft.tag;
  }
  function photoName(draft, finding, k) { return 'evidence/' + fileName(draft) + '/' + finding.id + '-' + (k + 1) + '.jpg'; }

  /* The record as the ledger reads it (and checkRecord checks it). */
  function recordOf(draft) {
    var r = draft.record, kind = r.kind;
    var out = {unit: r.unit.trim(), date: r.date, kind: kind, checklist: r.checklist};
    if (draft.recheck) out.follows = draft.recheck.follows;
    out.checking_unit = r.checking_unit.trim();
    out.inspectors = inspectorsOf(r);
    out.note = r.note;
    var by = out.inspectors.join('、');
    out.fixed = []; out.recheck = []; out.close = [];
    if (draft.recheck) {
      draft.recheck.items.forEach(function (it) {
        if (it.result && it.reported) out.fixed.push({finding: it.finding});
        out.recheck.push({finding: it.finding, about: it.about, result: it.result, by: it.result ? (it.by || by) : ''});
        if (it.result === 'passed' && it.close) {
          var c = {finding: it.finding};
          if (it.level === 'major') c.approver = it.approver;
          out.close.push(c);
        }
      });
      return out;
    }
    out.item = R.checkpoints.map(function (c) { return {checkpoint: c.id, title: c.title, mark: r.marks[c.id] || ''}; });
    out.finding = [];
    R.checkpoints.forEach(function (c) {
      if (r.marks[c.id] !== 'fail') return;
      var f = findingOf(draft, c.id);
      var found = {id: f.id, checkpoint: c.id, description: f.description, level: f.level};
      if (f.level !== c.level) found.level_reason = f.level_reason;
      found.source = f.source || R.default_source[kind];
      if (f.level === 'major' && found.source === 'self' && text(f.reported_to)) found.reported_to = f.reported_to.trim();
      if (f.photos.length) found.evidence = f.photos.map(function (_, k) { return photoName(draft, f, k); });
      if (f.category) {
        found.remediation = {category: f.category};
        categoryFields(f.category, kind).forEach(function (code) {
          if (f.fields[code] !== undefined && f.fields[code] !== '') found.remediation[code] = f.fields[code];
        });
      }
      if (f.stop && f.level === 'major') {
        found.stop = {kind: f.stop_kind, scope: f.stop_scope};
        if (f.stop_order) found.stop.order_number = f.stop_order;
      }
      out.finding.push(found);
      if (f.category === 'on_site') {  // fixed while the inspector is there: rechecked and struck off at once
        out.fixed.push({finding: f.id});
        out.recheck.push({finding: f.id, result: 'passed', by: by});
        out.close.push({finding: f.id});
      }
    });
    return out;
  }

  // -- Rendering ---------------------------------------------------------------------------------

  var current = null, showAll = false, touched = {};
  var status = el('p', {'class': 'fi-status', role: 'status', 'aria-live': 'polite'});

  function save(message) {
    if (!current) return;
    current.updated = Date.now();
    drafts[current.id] = current;
    var ok = persist();
    status.textContent = ok ? (message || '已自动保存（' + new Date().toLocaleTimeString('zh-CN', {hour12: false}) + '）')
      : '无法保存到本浏览器，请检查浏览器存储空间';
  }

  function field(labelText, input, key, hint) {
    var id = input.id || (input.id = uid('f'));
    var err = el('p', {'class': 'fi-error', id: id + '-err', hidden: true});
    input.setAttribute('aria-describedby', id + '-err');
    if (key) input.setAttribute('data-key', key);
    return el('div', {'class': 'fi-field'}, [el('label', {'for': id, text: labelText}), hint ? el('p', {'class': 'fi-hint', text: hint}) : null, input, err]);
  }
  function textInput(value, onchange, attrs) {
    var a = {type: 'text', value: value, oninput: function (e) { onchange(e.target.value); changed(); }};
    Object.keys(attrs || {}).forEach(function (k) { a[k] = attrs[k]; });
    return el(a.rows ? 'textarea' : 'input', a);
  }
  function select(options, value, onchange, restructure) {
    var s = el('select', {onchange: function (e) { onchange(e.target.value); changed(restructure); }},
      options.map(function (o) { return el('option', {value: o.code, text: o.label}); }));
    s.value = value;
    return s;
  }

  function changed(restructure) {
    if (restructure) { render(); } else { check(); }
    save();
  }

  function check() {
    if (!current) return [];
    var problems = checkRecord(recordOf(current));
    app.querySelectorAll('[data-key]').forEach(function (input) {
      input.removeAttribute('aria-invalid');
      var err = document.getElementById(input.id + '-err');
      if (err) { err.hidden = true; err.textContent = ''; }
    });
    var list = app.querySelector('.fi-problems');
    if (list) list.textContent = '';
    problems.forEach(function (p) {
      var input = app.querySelector('[data-key="' + p[0] + '"]');
      if (input && (showAll || touched[p[0]])) {
        input.setAttribute('aria-invalid', 'true');
        var err = document.getElementById(input.id + '-err');
        err.textContent = p[1]; err.hidden = false;
      }
      if (list) {
        var target = input ? el('a', {href: '#' + input.id, text: p[1]}) : document.createTextNode(p[1]);
        list.appendChild(el('li', {}, [target]));
      }
    });
    var summary = app.querySelector('.fi-summary');
    if (summary) {
      summary.hidden = !problems.length;
      summary.querySelector('.fi-count').textContent = '还有 ' + problems.length + ' 处需要填写或修改：';
    }
    return problems;
  }

  function header(r) {
    var nodes = [];
    var units = R.units || [];
    var known = units.some(function (u) { return u.id === r.unit; });
    if (units.length) {
      var choices = [{code: '', label: '请选择'}].concat(units.map(function (u) { return {code: u.id, label: u.name}; }),
        [{code: '*', label: '其他单位（手工填写）'}]);
      var chosen = known ? r.unit : (r.unit || r.typing ? '*' : '');
      nodes.push(field('被检查单位', select(choices, chosen, function (v) {
        r.typing = v === '*'; r.unit = v === '*' ? '' : v;
      }, true), '$.unit'));
    }
    if (!units.length || (!known && (r.unit || r.typing))) {
      nodes.push(field(units.length ? '单位名称' : '被检查单位', textInput(r.unit, function (v) { r.unit = v; },
        {autocomplete: 'organization'}), units.length ? null : '$.unit', '填写单位在台账中登记的名称'));
    }
    nodes.push(field('检查日期', el('input', {type: 'date', value: r.date, oninput: function (e) { r.date = e.target.value; changed(); }}), '$.date'));
    var kinds = el('fieldset', {'class': 'fi-choice', 'data-key': '$.kind', id: uid('kind')},
      [el('legend', {text: '检查类型'})].concat(R.kinds.map(function (k) {
        var id = uid('k');
        return el('span', {'class': 'fi-option'}, [el('input', {type: 'radio', name: 'fi-kind', id: id, value: k.code, checked: r.kind === k.code,
          onchange: function () { r.kind = k.code; changed(true); }}), el('label', {'for': id, text: k.label})]);
      })));
    nodes.push(kinds);
    nodes.push(field('检查单位', textInput(r.checking_unit, function (v) { r.checking_unit = v; }), null, '自查时可不填'));
    nodes.push(field('检查人员', textInput(r.inspectors, function (v) { r.inspectors = v; }), null, '多人用顿号或逗号分隔'));
    return nodes;
  }

  function findingBlock(draft, c, i) {
    var r = draft.record, f = findingOf(draft, c.id), base = '$.finding[' + i + ']';
    var nodes = [el('h4', {text: '第' + (i + 1) + '项隐患'})];
    nodes.push(field('隐患编号', textInput(f.id, function (v) { f.id = v; }, {spellcheck: 'false', autocapitalize: 'off'}), base + '.id'));
    nodes.push(field('隐患描述', textInput(f.description, function (v) { f.description = v; }, {rows: 3}), base + '.description'));
    nodes.push(field('隐患等级', select(R.levels, f.level, function (v) { f.level = v; }, true), base + '.level',
      '检查项判定为' + label(R.levels, c.level)));
    if (f.level !== c.level) {
      nodes.push(field('改变等级的理由', textInput(f.level_reason, function (v) { f.level_reason = v; }, {rows: 2}), base + '.level_reason'));
    }
    nodes.push(field('隐患来源', select(R.sources, f.source || R.default_source[r.kind], function (v) { f.source = v; }, true), base + '.source'));
    if (f.level === 'major' && (f.source || R.default_source[r.kind]) === 'self') {  // 安全生产法 第四十一条第二款
      nodes.push(field('已上报的部门', textInput(f.reported_to || '', function (v) { f.reported_to = v; }), null,
        '单位自查发现的重大事故隐患须向负有安全生产监督管理职责的部门报告；未报告的，台账标为逾期'));
    }
    var routes = R.categories.filter(function (cat) { return has(cat.levels, f.level) || cat.code === f.category; });
    nodes.push(field('整改方式', select([{code: '', label: '暂不确定'}].concat(routes.map(function (cat) {
      return {code: cat.code, label: cat.name};
    })), f.category, function (v) { f.category = v; }, true), base + '.remediation.category'));
    categoryFields(f.category, r.kind).forEach(function (code) {
      var spec = fieldsByCode[code], key = base + '.remediation.' + code, value = f.fields[code] || '';
      var set = function (v) { f.fields[code] = v; };
      var input = spec.type === 'date' ? el('input', {type: 'date', value: value, oninput: function (e) { set(e.target.value); changed(); }})
        : spec.type === 'choice' ? select([{code: '', label: '请选择'}].concat(R.supervision_levels), value, set)
        : textInput(value, set, code === 'measures' || code === 'contingency_plan' ? {rows: 2} : {});
      nodes.push(field(spec.label, input, key));
    });
    if (f.level === 'major') {
      var stopId = uid('stop');
      nodes.push(el('div', {'class': 'fi-field fi-check'}, [el('input', {type: 'checkbox', id: stopId, checked: f.stop,
        onchange: function (e) { f.stop = e.target.checked; changed(true); }}), el('label', {'for': stopId, text: '责令停产停业整改'})]));
      if (f.stop) {
        if (R.stop_kinds.length > 1) nodes.push(field('停产方式', select(R.stop_kinds, f.stop_kind, function (v) { f.stop_kind = v; }), base + '.stop.kind'));
        nodes.push(field('停产范围', select(R.stop_scopes, f.stop_scope, function (v) { f.stop_scope = v; }), base + '.stop.scope'));
        nodes.push(field('停产指令书编号', textInput(f.stop_order, function (v) { f.stop_order = v; }), null));
      }
    }
    nodes.push(photos(draft, f));
    return el('div', {'class': 'fi-finding', role: 'group', 'aria-label': '第' + (i + 1) + '项隐患：' + c.title}, nodes);
  }

  function photos(draft, f) {
    var id = uid('photo');
    var list = el('ul', {'class': 'fi-photos'});
    f.photos.forEach(function (key, k) {
      var item = el('li', {}, ['照片 ' + (k + 1) + ' ', el('button', {type: 'button', 'class': 'fi-small', text: '删除照片 ' + (k + 1),
        onclick: function () { f.photos.splice(k, 1); photoDelete(key).catch(function () {}); changed(true); }})]);
      photoGet(key).then(function (blob) {
        if (blob) item.insertBefore(el('img', {src: URL.createObjectURL(blob), alt: '照片 ' + (k + 1)}), item.firstChild);
      }).catch(function () {});
      list.appendChild(item);
    });
    var input = el('input', {type: 'file', accept: 'image/*', capture: 'environment', multiple: true, id: id,
      onchange: function (e) {
        var files = Array.prototype.slice.call(e.target.files);
        Promise.all(files.map(function (file) {
          var key = draft.id + '/' + f.id + '/' + Date.now().toString(36) + tag();
          return photoPut(key, file).then(function () { f.photos.push(key); });
        })).then(function () { changed(true); }, function () { status.textContent = '照片无法保存在本浏览器中'; });
      }});
    // The browser's own button speaks its own language: the label is the button, the input is kept for the keyboard.
    return el('div', {'class': 'fi-field fi-camera'}, [input, el('label', {'for': id, text: '拍照或选择照片'}), list]);
  }

  function items(draft) {
    var r = draft.record, nodes = [], n = 0;
    R.checkpoints.forEach(function (c, k) {
      var set = el('fieldset', {'class': 'fi-item', id: 'fi-item-' + k, 'data-key': '$.item[' + k + '].mark'},
        [el('legend', {}, [(k + 1) + '. ' + c.title, c.level === 'major' ? el('span', {'class': 'fi-major', text: '重大'}) : null])]);
      var marks = el('div', {'class': 'fi-marks'});
      R.marks.forEach(function (m) {
        var id = 'fi-mark-' + k + '-' + (m.code || 'na');
        marks.appendChild(el('span', {'class': 'fi-mark'}, [el('input', {type: 'radio', name: 'fi-mark-' + k, id: id, value: m.code,
          checked: (r.marks[c.id] || '') === m.code, onchange: function () { r.marks[c.id] = m.code; changed(true); }}),
          el('label', {'for': id}, [m.symbol ? el('span', {'class': 'fi-symbol', 'aria-hidden': 'true', text: m.symbol}) : null, m.label])]));
      });
      set.appendChild(marks);
      if (r.marks[c.id] === 'fail') { set.appendChild(findingBlock(draft, c, n)); n += 1; }
      nodes.push(set);
    });
    return nodes;
  }

  function recheckItems(draft) {
    return draft.recheck.items.map(function (it, k) {
      var base = '$.recheck[' + k + ']';
      var set = el('fieldset', {'class': 'fi-item'}, [el('legend', {text: (k + 1) + '. ' + it.about})]);
      set.appendChild(field('回查结果', select([{code: '', label: '本次未回查'}, {code: 'passed', label: '合格'}, {code: 'failed', label: '不合格'}],
        it.result, function (v) { it.result = v; }, true), base + '.result'));
      if (it.result) {
        var rid = uid('rep');
        set.appendChild(el('div', {'class': 'fi-field fi-check'}, [el('input', {type: 'checkbox', id: rid, checked: it.reported,
          onchange: function (e) { it.reported = e.target.checked; changed(); }}), el('label', {'for': rid, text: '单位已报告整改完成（首次回查时勾选）'})]));
        set.appendChild(field('回查人', textInput(it.by, function (v) { it.by = v; }), null, '不填时为检查人员'));
      }
      if (it.result === 'passed') {
        var cid = uid('close');
        set.appendChild(el('div', {'class': 'fi-field fi-check'}, [el('input', {type: 'checkbox', id: cid, checked: it.close,
          onchange: function (e) { it.close = e.target.checked; changed(true); }}), el('label', {'for': cid, text: '销号'})]));
        if (it.close && it.level === 'major') {
          set.appendChild(field('销号审核人', textInput(it.approver, function (v) { it.approver = v; }), null, '重大事故隐患须由监管部门审核销号'));
        }
      }
      return set;
    });
  }

  function render() {
    var focused = document.activeElement && app.contains(document.activeElement) ? document.activeElement.id : null;
    app.textContent = '';
    app.hidden = false;
    serial = 0;  // the same ids on every render, so that focus comes back to the same control
    if (!current) { renderList(); return; }
    var draft = current, r = draft.record;
    var form = el('form', {'class': 'fi-form', novalidate: true, 'aria-labelledby': 'fi-form-title', onsubmit: function (e) { e.preventDefault(); download(); }});
    form.appendChild(el('h3', {id: 'fi-form-title', text: draft.recheck ? '回查记录' : '检查记录'}));
    if (draft.recheck) form.appendChild(el('p', {'class': 'fi-hint', text: '回查 ' + draft.recheck.follows + ' 中尚未销号的隐患'}));
    header(r).forEach(function (n) { form.appendChild(n); });
    (draft.recheck ? recheckItems(draft) : items(draft)).forEach(function (n) { form.appendChild(n); });
    form.appendChild(field('备注', textInput(r.note, function (v) { r.note = v; }, {rows: 2}), null));
    form.appendChild(el('div', {'class': 'fi-summary', hidden: true, tabindex: '-1'}, [el('p', {'class': 'fi-count'}), el('ul', {'class': 'fi-problems'})]));
    form.appendChild(el('div', {'class': 'fi-actions'}, [
      el('button', {type: 'submit', 'class': 'fi-primary', text: '保存记录'}),
      el('button', {type: 'button', text: '打印', onclick: printRecord}),
      el('button', {type: 'button', text: '返回记录列表', onclick: function () { current = null; render(); }}),
    ]));
    form.appendChild(status);
    app.appendChild(form);
    check();
    if (focused && document.getElementById(focused)) document.getElementById(focused).focus();
    form.addEventListener('focusout', function (e) {
      var key = e.target.getAttribute && e.target.getAttribute('data-key');
      if (key && !touched[key]) { touched[key] = true; check(); }
    });
  }

  function describeDraft(d) {
    var r = d.record, unit = r.unit ? unitName(r.unit) : '未填单位';
    return (d.recheck ? '回查 · ' : '') + unit + ' · ' + (r.date || '') + (d.status === 'done' ? ' · 已保存 ' + d.file : ' · 草稿');
  }

  function renderList() {
    var mine = Object.keys(drafts).map(function (k) { return drafts[k]; })
      .filter(function (d) { return d.checklist === R.checklist.id; })
      .sort(function (a, b) { return b.updated - a.updated; });
    var box = el('div', {'class': 'fi-list'});
    box.appendChild(el('div', {'class': 'fi-actions'}, [el('button', {type: 'button', 'class': 'fi-primary', text: '新建检查记录',
      onclick: function () { current = newDraft(); showAll = false; touched = {}; save(); render(); focusForm(); }})]));
    box.appendChild(el('h3', {text: '本检查表的草稿和记录'}));
    if (!mine.length) box.appendChild(el('p', {text: '还没有填写过本检查表的记录。'}));
    var list = el('ul', {'class': 'fi-drafts'});
    mine.forEach(function (d) {
      var name = describeDraft(d);
      var buttons = [el('button', {type: 'button', text: d.status === 'done' ? '查看' : '继续填写', 'aria-label': (d.status === 'done' ? '查看：' : '继续填写：') + name,
        onclick: function () { current = d; showAll = d.status === 'done'; touched = {}; render(); focusForm(); }})];
      if (d.status === 'done' && openFindings(d).length) {
        buttons.push(el('button', {type: 'button', text: '回查', 'aria-label': '回查：' + name, onclick: function () { startRecheck(d); }}));
      }
      buttons.push(el('button', {type: 'button', text: '删除', 'aria-label': '删除：' + name, onclick: function () {
        if (!window.confirm('删除“' + name + '”？删除后无法恢复。')) return;
        delete drafts[d.id]; persist(); render();
      }}));
      list.appendChild(el('li', {}, [el('span', {text: name}), el('span', {'class': 'fi-actions'}, buttons)]));
    });
    box.appendChild(list);
    app.appendChild(box);
  }
  function focusForm() { var h = document.getElementById('fi-form-title'); if (h) { h.setAttribute('tabindex', '-1'); h.focus(); } }

  /* The findings of a saved record still open: not fixed on the spot, or not yet rechecked and struck off. */
  function openFindings(d) {
    var rec = recordOf(d), closed = {};
    rec.close.forEach(function (c) { closed[c.finding] = true; });
    if (d.recheck) {
      return d.recheck.items.filter(function (it) { return !closed[it.finding]; }).map(function (it) {
        return {finding: it.finding, about: it.about, level: it.level, title: it.title, description: it.description,
          remediation: it.remediation, stop: it.stop};
      });
    }
    return rec.finding.filter(function (f) { return !closed[f.id]; }).map(function (f) {
      var title = points[f.checkpoint].title;
      return {finding: f.id, level: f.level, about: title + '：' + f.description, title: title,
        description: f.description, remediation: f.remediation, stop: f.stop};
    });
  }
  function startRecheck(earlier) {
    var d = newDraft(earlier.record.kind), r = d.record;
    r.unit = earlier.record.unit; r.typing = earlier.record.typing; r.checking_unit = earlier.record.checking_unit;
    d.recheck = {follows: earlier.file + '.toml', items: openFindings(earlier).map(function (o) {
      return {finding: o.finding, about: o.about, level: o.level, title: o.title, description: o.description,
        remediation: o.remediation, stop: o.stop, result: '', reported: true, by: '', close: true, approver: ''};
    })};
    current = d; showAll = false; touched = {}; save(); render(); focusForm();
  }

  // -- Saving: one file, TOML or a zip with the photos --------------------------------------------

  function download() {
    showAll = true;
    var problems = check();
    if (problems.length) {
      status.textContent = '记录还有 ' + problems.length + ' 处需要填写或修改，未保存。';
      app.querySelector('.fi-summary').focus();
      return;
    }
    var name = fileName(current), rec = recordOf(current), toml = toToml(rec);
    var keys = [];
    (rec.finding || []).forEach(function (f) {
      var draftFinding = current.record.findings[f.checkpoint];
      (f.evidence || []).forEach(function (path, k) { keys.push([path, draftFinding.photos[k]]); });
    });
    var done = function (blob, file) {
      var a = el('a', {href: URL.createObjectURL(blob), download: file});
      document.body.appendChild(a); a.click(); a.remove();
      current.status = 'done'; current.file = name;
      save('已保存 ' + file + '，请把该文件交台账管理人员导入。');
      offerShare(blob, file);
    };
    if (!keys.length) return done(new Blob([toml], {type: 'application/toml'}), name + '.toml');
    Promise.all(keys.map(function (k) { return photoGet(k[1]).then(function (blob) { return blob.arrayBuffer(); }); }))
      .then(function (buffers) {
        var entries = [{name: name + '.toml', bytes: new TextEncoder().encode(toml)}];
        buffers.forEach(function (b, i) { entries.push({name: keys[i][0], bytes: new Uint8Array(b)}); });
        done(new Blob([zip(entries)], {type: 'application/zip'}), name + '.zip');
      }, function () { status.textContent = '照片读取失败，未保存'; });
  }

  /* On a phone that can share files (the system's share sheet: a messaging app, mail), a button to send it. */
  function offerShare(blob, file) {
    var shared = new File([blob], file, {type: blob.type});
    if (!navigator.canShare || !navigator.canShare({files: [shared]})) return;
    var actions = app.querySelector('.fi-actions');
    if (!actions || actions.querySelector('.fi-share')) return;
    actions.appendChild(el('button', {type: 'button', 'class': 'fi-share', text: '分享记录文件', onclick: function () {
      navigator.share({files: [shared], title: file}).catch(function () {});
    }}));
  }

  // -- Print: the supervision record (附件3) ---------------------------------------------------
  /* The rows and words of templates/print/forms/supervision-record.html filled as reports.supervision_values
     fills them after import (tests/publish/test_fill_in.py compares both); 整改落实情况 stays for the pen. */

  function cnDate(iso) {
    var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso || '');
    return m ? +m[1] + '年' + +m[2] + '月' + +m[3] + '日' : '';
  }
  function numbered(lines) {
    return lines.length === 1 ? lines[0] : lines.map(function (l, i) { return (i + 1) + '. ' + l; }).join('\n');
  }
  function unique(xs) { return xs.filter(function (x, i) { return x && xs.indexOf(x) === i; }); }
  function measureOf(rem) {
    if (!rem || !rem.category) return '整改方式待定';
    var first = (categories[rem.category] || {name: rem.category}).name;
    if (rem.supervision_level) first += '（' + label(R.supervision_levels, rem.supervision_level) + '）';
    var parts = [first];
    [['measures', ''], ['order_number', '指令书'], ['funds', '资金'], ['contingency_plan', '应急预案：'],
      ['lead_unit', '牵头单位：'], ['notice_number', '督办通知书']].forEach(function (p) {
      if (rem[p[0]]) parts.push(p[1] + rem[p[0]]);
    });
    return parts.join('；');
  }
  function stopOf(stop) {
    if (!stop) return '';
    return '；' + label(R.stop_kinds, stop.kind || 'production_stop', '停产停业整改') + '（' +
      label(R.stop_scopes, stop.scope || 'full', '') + '）' + (stop.order_number ? '，' + stop.order_number : '');
  }
  function printValues(draft) {
    var rec = recordOf(draft), day = cnDate(rec.date), checked;
    var byId = {};
    (draft.recheck ? draft.recheck.items : []).forEach(function (it) {
      byId[it.finding] = {id: it.finding, level: it.level, about: it.about, title: it.title, description: it.description,
        remediation: it.remediation, stop: it.stop};
    });
    (rec.finding || []).forEach(function (f) {
      byId[f.id] = {id: f.id, level: f.level, title: points[f.checkpoint].title, description: f.description,
        remediation: f.remediation, stop: f.stop};
    });
    // In the ledger's order (reports._concerned): found, fixed, rechecked, closed.
    var order = [].concat((rec.finding || []).map(function (f) { return f.id; }),
      [rec.fixed, rec.recheck, rec.close].map(function (xs) { return xs.map(function (x) { return x.finding; }); }));
    var entries = unique([].concat.apply([], order)).filter(function (id) { return byId[id]; })
      .map(function (id) { return byId[id]; });
    if (draft.recheck) {
      checked = '回查：' + R.checklist.title + '发现问题的整改情况（' + entries.length + '项）';
    } else {
      var counts = {};
      rec.item.forEach(function (i) { counts[i.mark] = (counts[i.mark] || 0) + 1; });
      checked = R.checklist.title + '，共' + rec.item.length + '项：符合要求' + (counts.ok || 0) + '项，不符合要求' +
        (counts.fail || 0) + '项，正在整改' + (counts.fixing || 0) + '项，无该项' + (counts[''] || 0) + '项';
    }
    if (rec.note) checked += '。' + rec.note;
    var checks = {};
    rec.recheck.forEach(function (c) { if (c.result) checks[c.finding] = c; });
    var done = entries.filter(function (e) { return checks[e.id]; });
    var rem = function (e) { return e.remediation || {}; };
    var some = entries.length > 0;
    return {
      reporter: rec.checking_unit, date: day, unit: unitName(rec.unit), checked_on: day,
      inspectors: rec.inspectors.join('、'), checked: checked,
      problems: some ? numbered(entries.map(function (e) {
        if (e.description === undefined) return e.about;  // a draft of an earlier version
        return (e.level === 'major' ? '【重大事故隐患】' : '') + e.description + '（检查项：' + e.title + '）';
      })) : '未发现事故隐患',
      measures: some ? numbered(entries.map(function (e) { return measureOf(e.remediation) + stopOf(e.stop); })) : '',
      deadline: entries.some(function (e) { return rem(e).deadline; })
        ? numbered(entries.map(function (e) { return cnDate(rem(e).deadline) || '—'; })) : '',
      responsible_person: unique(entries.map(function (e) { return rem(e).responsible_person; })).join('、'),
      rechecker: unique(done.map(function (e) { return checks[e.id].by; })).join('、'),
      rechecked_on: done.length ? day : '',
      done: '',
      recheck_result: done.length ? numbered(entries.map(function (e) {
        var c = checks[e.id];
        return c ? day + (c.result === 'passed' ? '合格' : '不合格') : '未回查';
      })) : ''
    };
  }
  var PRINT_ROWS = [[['检查企业（场所）', 'unit'], ['检查日期', 'checked_on']], [['检查人员', 'inspectors']],
    [['检查内容', 'checked', 'tall']], [['存在问题', 'problems', 'taller']], [['整改措施', 'measures', 'tall']],
    [['限期整改时间', 'deadline'], ['整改责任人', 'responsible_person']], [['回查人员', 'rechecker'], ['回查日期', 'rechecked_on']],
    [['整改落实情况', 'done', 'tall']], [['回查结果', 'recheck_result', 'tall']]];

  function printRecord() {
    var v = printValues(current), old = document.querySelector('.fi-print');
    if (old) old.remove();
    var cell = function (tag, key, attrs) { attrs['data-key'] = key; attrs.text = v[key]; return el(tag, attrs); };
    var rows = PRINT_ROWS.map(function (row) {
      return el('tr', {}, [].concat.apply([], row.map(function (c) {
        return [el('th', {scope: 'row', text: c[0]}), cell('td', c[1], row.length === 1 ? {colspan: '3', 'class': c[2] || null} : {})];
      })));
    });
    var col = function (label) { return el('col', label ? {'class': 'label'} : {}); };
    document.body.appendChild(el('div', {'class': 'fi-print', 'aria-hidden': 'true'}, [
      el('p', {'class': 'fi-annex', text: R.print.annex}),
      el('p', {'class': 'fi-title', text: R.print.title}),
      el('p', {'class': 'fi-meta'}, [el('span', {}, ['填报单位（盖章）：', cell('span', 'reporter', {})]),
        el('span', {}, ['填报日期：', cell('span', 'date', {})])]),
      el('table', {}, [el('colgroup', {}, [col(1), col(), col(1), col()])].concat(rows)),
      el('p', {'class': 'fi-note', text: '注：各行业主管部门可根据各自实际制定本行业安全生产督查表。'})]));
    document.body.classList.add('fi-printing');
    window.print();
  }
  window.addEventListener('afterprint', function () { document.body.classList.remove('fi-printing'); });

  window.checkframeFillIn.recordOf = recordOf;
  render();
})();
