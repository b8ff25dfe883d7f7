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

  function fmt(name, values) {
    return R.messages[name].replace(/\{(\w+)\}/g, function (_, k) { return values[k] === undefined ? '' : String(values[k]); });
  }
  function text(v) { return typeof v === 'string' ? v.trim() : ''; }
  function isoDate(v) {
    if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(v)) return null;
    var d = new Date(v + 'T00:00:00Z');
    return !isNaN(d) && d.toISOString().slice(0, 10) === v ? v : null;
  }
  function label(choices, code) {
    for (var i = 0; i < choices.length; i++) if (choices[i].code === code) return choices[i].label;
    return String(code);
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
      var subject = '第' + (i + 1) + '项隐患（' + (point ? point.title : cp) + '）';
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
      out.push('\n' + tomlTable('[[finding]]', f, ['id', 'checkpoint', 'description', 'level', 'level_reason', 'source', 'evidence']));
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
  // The form itself follows (UI).
  if (window.checkframeFillInUi) window.checkframeFillInUi(app);
})();
