// The outbox dashboard: polls the JSON endpoints beside this script and renders them. Every value
// from the server is written with textContent (payloads and errors are not trusted as HTML).
(function () {
  'use strict';

  var meta = function (name) { return document.querySelector('meta[name="' + name + '"]').getAttribute('content'); };
  var base = meta('outbox-base');
  var refreshMs = parseInt(meta('outbox-refresh-ms'), 10) || 5000;
  var allowRequeue = meta('outbox-allow-requeue') === 'true';
  var antiforgery = null; // { headerName, token }
  var shownId = null;
  var svgNs = 'http://www.w3.org/2000/svg';

  var $ = function (id) { return document.getElementById(id); };

  function getJson(path) {
    return fetch(base + path, { credentials: 'same-origin', headers: { Accept: 'application/json' } }).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (body) {
        if (!response.ok) {
          var error = new Error((body && (body.detail || body.title)) || ('HTTP ' + response.status));
          error.status = response.status;
          throw error;
        }
        return body;
      });
    });
  }

  function ensureToken(force) {
    if (antiforgery && !force) { return Promise.resolve(antiforgery); }
    return getJson('/api/antiforgery').then(function (t) { antiforgery = t; return t; });
  }

  function postJson(path, body, retried) {
    return ensureToken(retried).then(function (t) {
      var headers = { 'Content-Type': 'application/json', Accept: 'application/json' };
      headers[t.headerName] = t.token;
      return fetch(base + path, { method: 'POST', credentials: 'same-origin', headers: headers, body: JSON.stringify(body) });
    }).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (result) {
        if (response.status === 400 && !retried && result && /antiforgery/i.test(result.title || '')) {
          return postJson(path, body, true); // the token expired (new cookie, new user): fetch a fresh one once
        }
        if (!response.ok) { throw new Error((result && (result.detail || result.title)) || ('HTTP ' + response.status)); }
        return result;
      });
    });
  }

  function text(id, value) { $(id).textContent = value === null || value === undefined || value === '' ? '–' : String(value); }

  function formatAge(seconds) {
    if (seconds === null || seconds === undefined) { return 'none'; }
    if (seconds < 1) { return '< 1 s'; }
    if (seconds < 120) { return Math.round(seconds) + ' s'; }
    if (seconds < 7200) { return Math.round(seconds / 60) + ' min'; }
    if (seconds < 172800) { return (seconds / 3600).toFixed(1) + ' h'; }
    return (seconds / 86400).toFixed(1) + ' d';
  }

  function formatTime(value) { return value ? new Date(value).toLocaleString() : '–'; }

  function showError(message) {
    var banner = $('error');
    banner.textContent = message;
    banner.hidden = !message;
  }

  function showNotice(message) {
    var banner = $('notice');
    banner.textContent = message;
    banner.hidden = !message;
  }

  function renderSummary(s) {
    text('count-init', s.init);
    text('count-publish', s.publish);
    text('count-dead', s.dead);
    $('count-dead').classList.toggle('nonzero', s.dead > 0);
    text('oldest-age', formatAge(s.oldestUnfinishedAgeSeconds));
  }

  function svg(name, attributes, parent) {
    var element = document.createElementNS(svgNs, name);
    Object.keys(attributes).forEach(function (key) { element.setAttribute(key, attributes[key]); });
    if (parent) { parent.appendChild(element); }
    return element;
  }

  function renderThroughput(t) {
    var bars = t.intervals;
    var width = 800, height = 160, left = 40, bottom = 18, top = 8;
    var max = 1, delivered = 0, failed = 0, dead = 0;
    bars.forEach(function (b) { max = Math.max(max, b.delivered + b.failed); delivered += b.delivered; failed += b.failed; dead += b.dead; });
    var minutes = Math.round(bars.length * t.intervalSeconds / 60);
    $('throughput-summary').textContent = 'Last ' + minutes + ' min, ' + t.intervalSeconds + ' s per bar: ' + delivered + ' delivered, ' + failed + ' failed sends, ' + dead + ' gone DEAD (' + t.source + ').';
    var chart = svg('svg', { viewBox: '0 0 ' + width + ' ' + height, preserveAspectRatio: 'none', role: 'img', 'aria-label': 'messages delivered per interval' });
    var plotHeight = height - bottom - top, step = (width - left) / bars.length;
    svg('line', { x1: left, y1: height - bottom, x2: width, y2: height - bottom, 'class': 'axis' }, chart);
    svg('text', { x: left - 4, y: top + 10, 'text-anchor': 'end' }, chart).textContent = String(max);
    svg('text', { x: left - 4, y: height - bottom, 'text-anchor': 'end' }, chart).textContent = '0';
    svg('text', { x: left, y: height - 4 }, chart).textContent = '-' + minutes + ' min';
    svg('text', { x: width, y: height - 4, 'text-anchor': 'end' }, chart).textContent = 'now';
    bars.forEach(function (b, i) {
      var x = left + i * step + 1, w = Math.max(step - 2, 1);
      var hDelivered = plotHeight * b.delivered / max, hFailed = plotHeight * b.failed / max;
      var bar = svg('rect', { x: x, y: height - bottom - hDelivered, width: w, height: hDelivered, 'class': 'bar' }, chart);
      svg('title', {}, bar).textContent = new Date(b.start).toLocaleTimeString() + ': ' + b.delivered + ' delivered, ' + b.failed + ' failed';
      if (hFailed > 0) { svg('rect', { x: x, y: height - bottom - hDelivered - hFailed, width: w, height: hFailed, 'class': 'bar failed' }, chart); }
    });
    var container = $('throughput-chart');
    container.replaceChildren(chart);
  }

  function requeue(ids, button) {
    if (button) { button.disabled = true; }
    return postJson('/api/requeue', { ids: ids }).then(function (result) {
      showNotice('Requeued ' + result.requeued + ' of ' + result.requested + ' message(s); the relay sends them again.');
      showMessage(ids[0]);
      return refresh();
    }).catch(function (error) {
      if (button) { button.disabled = false; }
      showError('Requeue failed: ' + error.message);
    });
  }

  function renderDead(d) {
    var body = $('dead-table').querySelector('tbody');
    var rows = d.messages.map(function (m) {
      var row = document.createElement('tr');
      row.dataset.id = m.id;
      var idCell = document.createElement('td');
      idCell.className = 'mono';
      var link = document.createElement('a');
      link.textContent = m.id;
      link.addEventListener('click', function () { showMessage(m.id); });
      idCell.appendChild(link);
      row.appendChild(idCell);
      [m.topic, m.key || '–', m.attempts, formatTime(m.completedAt)].forEach(function (value) {
        var cell = document.createElement('td');
        cell.textContent = String(value);
        row.appendChild(cell);
      });
      var error = document.createElement('td');
      error.className = 'error';
      error.textContent = m.lastError || '–';
      error.title = m.lastError || '';
      row.appendChild(error);
      var action = document.createElement('td');
      if (allowRequeue) {
        var button = document.createElement('button');
        button.type = 'button';
        button.className = 'requeue';
        button.textContent = 'Requeue';
        button.addEventListener('click', function () { requeue([m.id], button); });
        action.appendChild(button);
      }
      row.appendChild(action);
      return row;
    });
    body.replaceChildren.apply(body, rows);
    $('dead-summary').textContent = d.messages.length === 0
      ? 'No DEAD messages.'
      : d.messages.length + ' shown, oldest first' + (d.messages.length === d.limit ? ' (the first ' + d.limit + ')' : '') + '.';
  }

  function renderMessage(m) {
    $('message').hidden = false;
    text('message-id', m.id);
    var status = $('message-status');
    status.textContent = m.status;
    status.className = 'status ' + m.status;
    text('message-topic', m.topic);
    text('message-key', m.key);
    text('message-type', m.type);
    text('message-attempts', m.attempts);
    text('message-created', formatTime(m.createdAt));
    text('message-completed', formatTime(m.completedAt));
    text('message-error', m.lastError);
    var headers = $('message-headers').querySelector('tbody');
    var names = Object.keys(m.headers);
    headers.replaceChildren.apply(headers, names.length === 0 ? [row2('(none)', '')] : names.map(function (name) { return row2(name, m.headers[name]); }));
    var p = m.payload;
    $('message-payload-info').textContent = '(' + p.length + ' bytes' + (p.truncated ? ', first ' + p.previewLength + ' shown' : '') + ', ' + (p.encoding === 'utf-8' ? 'UTF-8 text' : 'base64: not UTF-8 text') + ')';
    $('message-payload').textContent = p.preview;
    var button = $('message-requeue');
    button.hidden = !(allowRequeue && m.status === 'DEAD');
    button.disabled = false;
  }

  function row2(name, value) {
    var row = document.createElement('tr');
    var a = document.createElement('td'), b = document.createElement('td');
    a.className = 'mono'; b.className = 'mono';
    a.textContent = name; b.textContent = value;
    row.appendChild(a); row.appendChild(b);
    return row;
  }

  function loadMessage() {
    if (!shownId) { return Promise.resolve(); }
    var id = shownId;
    return getJson('/api/messages/' + encodeURIComponent(id)).then(function (m) { if (id === shownId) { renderMessage(m); } });
  }

  function showMessage(id) {
    shownId = id;
    $('lookup-id').value = id;
    return loadMessage().catch(function (error) { $('message').hidden = true; showError(error.message); });
  }

  function refresh() {
    return Promise.all([
      getJson('/api/summary').then(renderSummary),
      getJson('/api/throughput').then(renderThroughput),
      getJson('/api/dead?limit=100').then(renderDead),
      loadMessage(),
    ]).then(function () {
      showError('');
      $('updated').textContent = 'updated ' + new Date().toLocaleTimeString() + ', every ' + Math.round(refreshMs / 1000) + ' s';
    }).catch(function (error) {
      showError('Could not refresh: ' + error.message);
    });
  }

  function tick() { refresh().then(function () { setTimeout(tick, refreshMs); }); }

  document.addEventListener('DOMContentLoaded', function () {
    $('lookup').addEventListener('submit', function (event) {
      event.preventDefault();
      var id = $('lookup-id').value.trim();
      if (id) { showMessage(id); }
    });
    $('message-requeue').addEventListener('click', function () { if (shownId) { requeue([shownId], $('message-requeue')); } });
    tick();
  });
}());
