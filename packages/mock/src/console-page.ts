// The mock's console page: static HTML, CSS and a little JavaScript that drives the control API (no build, no assets).

/**
 * The Content-Security-Policy of the console: only the mock's own script, style and connections; nothing inline,
 * nothing external, no framing.
 * @example
 * res.setHeader('content-security-policy', CONSOLE_CSP);
 */
export const CONSOLE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; " +
  "form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/**
 * The console's HTML. Subject text only ever enters the page through `textContent`, never as markup.
 * @example
 * send(res, 200, CONSOLE_HTML, {}, 'text/html; charset=utf-8');
 */
export const CONSOLE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Licenzy mock console</title>
<link rel="stylesheet" href="/_mock/console.css">
<script src="/_mock/console.js" defer></script>
</head>
<body>
<header>
  <h1>Licenzy mock console</h1>
  <p>A local Licenzy for trying your app by hand. Everything here goes through the <code>/_mock/</code> control API.
  <span id="stream" class="pill">log: connecting…</span></p>
  <p id="status" role="status" aria-live="polite"></p>
</header>
<main>
  <section aria-labelledby="grant-title">
    <h2 id="grant-title">Grant an entitlement</h2>
    <form id="grant-form">
      <label>Subject <input id="grant-subject" name="subject" required maxlength="256" autocomplete="off" placeholder="user_123"></label>
      <label>Kind
        <select id="grant-kind" name="kind">
          <option value="subscription">subscription</option>
          <option value="time_pass">time_pass</option>
          <option value="usage_pack">usage_pack</option>
        </select>
      </label>
      <label>Units (usage pack) <input id="grant-units" name="units" type="number" min="0" step="1" value="100"></label>
      <label>Expires in minutes (optional) <input id="grant-expires" name="expires" type="number" min="1" step="1"></label>
      <label>Mode
        <select id="grant-mode" name="mode">
          <option value="test">test</option>
          <option value="live">live</option>
        </select>
      </label>
      <button type="submit">Grant</button>
    </form>
  </section>

  <section aria-labelledby="outage-title">
    <h2 id="outage-title">Outage switches</h2>
    <p>Apply to every Licenzy call (<code>/v1/…</code>) until cleared.</p>
    <div class="buttons" id="outages">
      <button type="button" data-fault='{"status":503}'>Down (503)</button>
      <button type="button" data-fault='{"delay":3000}'>Slow (3 s)</button>
      <button type="button" data-fault='{"status":429}'>Rate limited (429)</button>
      <button type="button" data-fault='{"malformed":true}'>Malformed answers</button>
      <button type="button" id="clear-faults">Back to normal</button>
    </div>
    <p id="faults">No faults: Licenzy answers normally.</p>
  </section>

  <section aria-labelledby="subjects-title" class="wide">
    <h2 id="subjects-title">Subjects</h2>
    <p>Subjects with entitlements, then subjects seen in calls without any (the latest 500).
    “Add 100 units” tops up the subject's usage pack, or grants one if it has none.</p>
    <table id="subjects-table">
      <thead><tr><th scope="col">Subject</th><th scope="col">Mode</th><th scope="col">Access</th><th scope="col">Entitlements</th><th scope="col">Actions</th></tr></thead>
      <tbody id="subjects"><tr><td colspan="5">Loading…</td></tr></tbody>
    </table>
  </section>

  <section aria-labelledby="log-title" class="wide">
    <h2 id="log-title">Live log</h2>
    <p>Each access check and consumption the mock answers, newest first, with the decision it got (the latest 200, also those from before this page opened).</p>
    <ol id="log" aria-live="polite"></ol>
  </section>
</main>
</body>
</html>
`;

/**
 * The console's stylesheet.
 * @example
 * send(res, 200, CONSOLE_CSS, {}, 'text/css; charset=utf-8');
 */
export const CONSOLE_CSS = `:root { color-scheme: light dark; --ok: #1a7f37; --no: #b42318; --warn: #9a6700; --line: #8884; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 1200px; padding: 1rem 1.5rem 3rem; overflow-wrap: anywhere; }
h1 { font-size: 1.5rem; margin: .5rem 0; }
h2 { font-size: 1.1rem; margin: 0 0 .5rem; }
main { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 1rem 2rem; }
section { border: 1px solid var(--line); border-radius: 8px; padding: .75rem 1rem; min-width: 0; }
section.wide { grid-column: 1 / -1; }
form { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: end; }
label { display: flex; flex-direction: column; font-size: .85rem; gap: .15rem; }
input, select, button { font: inherit; padding: .3rem .5rem; max-width: 100%; }
button { cursor: pointer; border: 1px solid var(--line); border-radius: 6px; background: Canvas; color: CanvasText; }
button:focus-visible, input:focus-visible, select:focus-visible { outline: 3px solid Highlight; outline-offset: 1px; }
button[aria-pressed="true"] { background: var(--no); color: #fff; }
.buttons { display: flex; flex-wrap: wrap; gap: .5rem; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
td .buttons button { font-size: .85rem; padding: .15rem .45rem; }
.subject { font-family: ui-monospace, monospace; word-break: break-all; }
.pill { display: inline-block; border-radius: 999px; padding: 0 .55rem; font-size: .8rem; border: 1px solid var(--line); }
.allowed, .yes { color: var(--ok); font-weight: 600; }
.denied, .no { color: var(--no); font-weight: 600; }
.error { color: var(--warn); font-weight: 600; }
#log { list-style: none; padding: 0; margin: 0; max-height: 22rem; overflow: auto; font-family: ui-monospace, monospace; font-size: .85rem; }
#log li { padding: .2rem 0; border-bottom: 1px solid var(--line); display: grid; grid-template-columns: 6.5rem 18rem minmax(0, 1fr) 3rem 3rem 9rem; gap: .5rem; }
#status { margin: 0 0 .75rem; min-height: 1.5rem; font-weight: 600; }
.seen { color: GrayText; }
@media (max-width: 900px) { main { grid-template-columns: minmax(0, 1fr); } #log li { grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); } }
/* Phones: each subject row becomes a card, each cell labelled by its column. */
@media (max-width: 640px) {
  body { padding: .75rem .75rem 2rem; }
  section { padding: .6rem .7rem; }
  #subjects-table thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); }
  #subjects-table, #subjects-table tbody, #subjects-table tr, #subjects-table td { display: block; width: 100%; }
  #subjects-table tr { border-bottom: 1px solid var(--line); padding: .4rem 0; }
  #subjects-table td { border: 0; padding: .1rem 0; }
  #subjects-table td[data-label]::before { content: attr(data-label) ": "; font-weight: 600; font-family: system-ui, sans-serif; }
  #subjects-table ul { margin: 0; padding-left: 1.2rem; }
}
`;

/**
 * The console's script. Written without template literals so it can live in this TypeScript string as is.
 * @example
 * send(res, 200, CONSOLE_JS, {}, 'text/javascript; charset=utf-8');
 */
export const CONSOLE_JS = `'use strict';
(function () {
  var MAX_LOG = 200;
  // Subjects in the table, by mode and subject, so a call naming a new one refreshes it.
  var listed = {};
  var refreshTimer = null;
  function byId(id) { return document.getElementById(id); }
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    // textContent, never innerHTML: subjects are arbitrary text and must render as text.
    if (text !== undefined) node.textContent = String(text);
    return node;
  }
  function say(message, isError) {
    var status = byId('status');
    status.textContent = message;
    status.className = isError ? 'error' : '';
  }
  function api(method, path, body) {
    var init = { method: method, headers: {} };
    if (method === 'POST') {
      init.headers['content-type'] = 'application/json';
      init.body = JSON.stringify(body || {});
    }
    return fetch(path, init).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (data) {
        if (!res.ok) throw new Error(data.message || data.error || ('HTTP ' + res.status));
        return data;
      });
    });
  }
  function subjectPath(subject, action) { return '/_mock/subjects/' + encodeURIComponent(subject) + '/' + action; }

  function describe(entitlement) {
    var parts = [entitlement.kind, entitlement.status];
    if (entitlement.usageRemaining !== null) parts.push(entitlement.usageRemaining + ' units');
    if (entitlement.expiresAt) parts.push('until ' + entitlement.expiresAt.replace('T', ' ').slice(0, 19));
    if (entitlement.available) parts.push('usable');
    else if (entitlement.availabilityReason !== entitlement.status) parts.push(entitlement.availabilityReason);
    return parts.join(' · ');
  }
  function action(label, subject, mode, run) {
    var button = el('button', '', label);
    button.type = 'button';
    button.setAttribute('aria-label', label + ' ' + subject + ' (' + mode + ')');
    button.addEventListener('click', function () {
      run().then(function (message) { say(message || (label + ': ' + subject + ' (' + mode + ') done')); }, function (err) { say(label + ' failed: ' + err.message, true); });
    });
    return button;
  }
  function topUp(subject, mode) {
    return api('POST', subjectPath(subject, 'topup'), { mode: mode, units: 100 }).then(function (answer) {
      var units = answer.entitlement.usageRemaining;
      return answer.created
        ? 'Add 100 units: ' + subject + ' (' + mode + ') had no usage pack; granted one with ' + units + ' units'
        : 'Add 100 units: topped up ' + subject + ' (' + mode + ') usage pack ' + answer.entitlement.id + ' to ' + units + ' units';
    });
  }
  function cell(label, className, text) {
    var td = el('td', className, text);
    td.setAttribute('data-label', label);
    return td;
  }
  function renderSubjects(subjects) {
    var body = byId('subjects');
    body.replaceChildren();
    if (subjects.length === 0) {
      var empty = el('tr');
      var only = el('td', '', 'No subjects yet: grant one above, or send a check. A subject without an entitlement is denied.');
      only.colSpan = 5;
      empty.append(only);
      body.append(empty);
      return;
    }
    listed = {};
    subjects.forEach(function (subject) {
      var row = el('tr');
      var ref = subject.subjectRef;
      var mode = subject.mode;
      listed[mode + ' ' + ref] = true;
      row.append(cell('Subject', 'subject', ref), cell('Mode', '', mode), cell('Access', subject.hasAccess ? 'yes' : 'no', subject.hasAccess ? 'allowed' : 'denied'));
      var entCell = cell('Entitlements', '');
      if (subject.entitlements.length === 0) {
        entCell.append(el('span', 'seen', 'none' + (subject.lastSeenAt ? ' (last seen in a call at ' + subject.lastSeenAt.slice(11, 19) + ')' : '')));
      } else {
        var list = el('ul');
        subject.entitlements.forEach(function (entitlement) { list.append(el('li', '', describe(entitlement))); });
        entCell.append(list);
      }
      var buttons = el('div', 'buttons');
      if (subject.entitlements.length === 0) {
        buttons.append(action('Grant', ref, mode, function () { return api('POST', subjectPath(ref, 'grant'), { mode: mode }); }));
      } else {
        buttons.append(
          action('Revoke', ref, mode, function () { return api('POST', subjectPath(ref, 'revoke'), { mode: mode }); }),
          action('Refund', ref, mode, function () { return api('POST', subjectPath(ref, 'refund'), { mode: mode }); }),
          action('Dispute', ref, mode, function () { return api('POST', subjectPath(ref, 'dispute'), { mode: mode }); })
        );
      }
      buttons.append(action('Add 100 units', ref, mode, function () { return topUp(ref, mode); }));
      var actCell = cell('Actions', '');
      actCell.append(buttons);
      row.append(entCell, actCell);
      body.append(row);
    });
  }
  function renderFaults(faults) {
    // The switch a fault came from, in the same form as the buttons' data-fault.
    var on = {};
    faults.forEach(function (entry) {
      var fault = entry.fault;
      var key = fault.type === 'status' ? '{"status":' + fault.status + '}' : fault.type === 'delay' ? '{"delay":' + fault.ms + '}' : fault.type === 'raw' ? '{"malformed":true}' : '';
      on[key] = true;
    });
    document.querySelectorAll('#outages [data-fault]').forEach(function (button) {
      button.setAttribute('aria-pressed', on[button.getAttribute('data-fault')] ? 'true' : 'false');
    });
    byId('faults').textContent = faults.length === 0
      ? 'No faults: Licenzy answers normally.'
      : 'Active: ' + faults.map(function (entry) {
          var fault = entry.fault;
          var what = fault.type === 'status' ? 'status ' + fault.status : fault.type === 'delay' ? 'delay ' + fault.ms + ' ms' : fault.type === 'raw' ? 'malformed' : fault.type;
          return what + (entry.remaining === null ? '' : ' (' + entry.remaining + ' left)');
        }).join(', ');
  }
  function refresh() {
    return Promise.all([api('GET', '/_mock/subjects'), api('GET', '/_mock/faults')]).then(function (answers) {
      renderSubjects(answers[0].subjects);
      renderFaults(answers[1].faults);
    }, function (err) { say('Could not load state: ' + err.message, true); });
  }
  function refreshSoon() {
    if (refreshTimer !== null) return;
    refreshTimer = setTimeout(function () { refreshTimer = null; refresh(); }, 250);
  }
  function logCall(call) {
    if (call.subject_ref !== null && call.mode && !listed[call.mode + ' ' + call.subject_ref]) refreshSoon();
    var item = el('li');
    var kind = call.decision === 'allowed' || call.decision.indexOf('consumed') === 0 ? 'allowed'
      : call.decision === 'denied' || call.decision === 'insufficient_usage' ? 'denied' : call.decision === 'ok' ? '' : 'error';
    item.append(
      el('span', '', call.at.slice(11, 19)),
      el('span', '', call.method + ' ' + call.path),
      el('span', 'subject', call.subject_ref === null ? '-' : call.subject_ref),
      el('span', '', call.mode || '-'),
      el('span', '', call.status),
      el('span', kind, call.decision)
    );
    var log = byId('log');
    log.prepend(item);
    while (log.children.length > MAX_LOG) log.lastElementChild.remove();
  }

  document.addEventListener('DOMContentLoaded', function () {
    byId('grant-form').addEventListener('submit', function (event) {
      event.preventDefault();
      var subject = byId('grant-subject').value;
      var kind = byId('grant-kind').value;
      var mode = byId('grant-mode').value;
      var body = { kind: kind, mode: mode };
      if (kind === 'usage_pack') body.units = Number(byId('grant-units').value || 0);
      var minutes = byId('grant-expires').value;
      if (minutes) body.expiresAt = Date.now() + Number(minutes) * 60000;
      api('POST', subjectPath(subject, 'grant'), body).then(function () {
        say('Granted ' + kind + ' to ' + subject + ' (' + mode + ')');
      }, function (err) { say('Grant failed: ' + err.message, true); });
    });
    document.querySelectorAll('#outages [data-fault]').forEach(function (button) {
      button.addEventListener('click', function () {
        // One switch at a time: clear, then script the chosen outage until cleared.
        api('DELETE', '/_mock/faults').then(function () {
          return api('POST', '/_mock/faults', JSON.parse(button.getAttribute('data-fault')));
        }).then(function () { say(button.textContent + ': on'); }, function (err) { say('Switch failed: ' + err.message, true); });
      });
    });
    byId('clear-faults').addEventListener('click', function () {
      api('DELETE', '/_mock/faults').then(function () { say('Licenzy answers normally again'); }, function (err) { say(err.message, true); });
    });
    var stream = new EventSource('/_mock/events');
    stream.addEventListener('open', function () {
      // The stream starts with the latest calls, so (re)connecting rebuilds the log from them instead of repeating them.
      byId('log').replaceChildren();
      byId('stream').textContent = 'log: live';
    });
    stream.addEventListener('error', function () { byId('stream').textContent = 'log: reconnecting…'; });
    stream.addEventListener('call', function (event) { logCall(JSON.parse(event.data)); });
    stream.addEventListener('state', function () { refresh(); });
    refresh();
  });
})();
`;
