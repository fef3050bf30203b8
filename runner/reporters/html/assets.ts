// The report page's inline CSS and script: no file or network fetch, so index.html works anywhere, offline.

export const CSS = `
:root { --fg:#1d2330; --muted:#5c6675; --line:#d9dee5; --bg:#fff; --soft:#f5f7fa;
  --plain:#8d99a8; --plain-alt:#b7c0cb; --glued:#f08c00; --split:#1c7ed6; --dup:#ae3ec9; --reordered:#e8b100;
  --truncated:#0ca678; --dropped:#e03131; --delayed:#7048e8; --met:#2b8a3e; --unmet:#c92a2a; --error:#a61e4d; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); margin: 0 auto; max-width: 1200px; padding: 16px 24px 64px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 24px 0 8px; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; }
.meta { color: var(--muted); margin: 0 0 8px; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-weight: 600; font-size: 12px; color: #fff; }
.badge.met { background: var(--met); } .badge.unmet { background: var(--unmet); } .badge.error { background: var(--error); }
.totals .badge { margin-right: 6px; }
table.summary { border-collapse: collapse; width: 100%; margin: 8px 0 16px; }
table.summary th, table.summary td { border-bottom: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
table.summary th { background: var(--soft); position: sticky; top: 0; font-size: 12px; text-transform: uppercase; letter-spacing: .03em; color: var(--muted); }
table.summary td.num { text-align: right; font-variant-numeric: tabular-nums; }
table.summary tr.unmet td:first-child, table.summary tr.error td:first-child { border-left: 3px solid var(--unmet); }
.filters { display: flex; gap: 8px; align-items: center; margin: 8px 0; }
.filters button { border: 1px solid var(--line); background: var(--soft); border-radius: 6px; padding: 3px 10px; cursor: pointer; }
.filters button[aria-pressed="true"] { background: var(--fg); color: #fff; }
.filters input { border: 1px solid var(--line); border-radius: 6px; padding: 3px 8px; min-width: 240px; }
details.scenario { border: 1px solid var(--line); border-radius: 8px; margin: 10px 0; background: #fff; }
details.scenario > summary { cursor: pointer; padding: 8px 12px; font-weight: 600; list-style-position: inside; }
details.scenario[data-status="unmet"], details.scenario[data-status="error"] { border-color: var(--unmet); }
details.scenario .body { padding: 0 14px 12px; }
.desc { white-space: pre-line; color: var(--muted); margin: 0 0 8px; }
.kv { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 6px 0 10px; }
.kv dt { color: var(--muted); } .kv dd { margin: 0; }
.reasons { color: var(--unmet); margin: 4px 0 8px; padding-left: 18px; }
figure.direction { margin: 10px 0 16px; }
figure.direction figcaption { font-size: 13px; margin-bottom: 2px; }
figure.direction figcaption .note { color: var(--muted); }
svg.timeline { width: 100%; height: auto; display: block; background: var(--soft); border-radius: 6px; }
svg .lane-label, svg .tick { font-size: 11px; fill: var(--muted); }
svg .axis { stroke: var(--line); stroke-width: 1; }
svg .lane rect.alt { opacity: .72; }
svg .c-plain { fill: var(--plain); } svg .c-plain.alt { fill: var(--plain-alt); opacity: 1; }
svg .c-glued { fill: var(--glued); } svg .c-split { fill: var(--split); } svg .c-dup { fill: var(--dup); }
svg .c-reordered { fill: var(--reordered); } svg .c-truncated { fill: var(--truncated); }
svg .c-dropped { fill: url(#wf-hatch); stroke: var(--dropped); }
svg .delayed { fill: var(--delayed); }
svg .boundary { stroke: var(--fg); stroke-width: 1; stroke-dasharray: 3 2; opacity: .8; fill: none; }
svg .mark-drop { fill: url(#wf-hatch); stroke: var(--dropped); stroke-width: 1; }
svg path.mark-corrupt, svg path.mark-drop { fill: var(--dropped); stroke: none; }
svg path.mark-duplicate { fill: var(--dup); } svg path.mark-reorder { fill: var(--reordered); } svg path.mark-truncate { fill: var(--truncated); }
svg .mark-end line { stroke: var(--fg); stroke-width: 2; } svg .mark-end text { font-size: 11px; fill: var(--fg); }
svg .flow { stroke-width: 1; opacity: .6; } svg line.flow.c-plain { stroke: var(--plain); } svg line.flow.c-dup { stroke: var(--dup); }
svg line.flow.c-reordered { stroke: var(--reordered); } svg line.flow.c-truncated { stroke: var(--truncated); }
svg .rung { stroke: var(--plain); stroke-width: 1; opacity: .7; fill: none; } svg .rung.slow { stroke: var(--delayed); }
.legend { display: flex; flex-wrap: wrap; gap: 6px 16px; font-size: 12.5px; margin: 8px 0 4px; }
.legend span { display: inline-flex; align-items: center; gap: 5px; }
.legend i { display: inline-block; width: 18px; height: 11px; border-radius: 2px; }
.hidden { display: none !important; }
pre.rerun { background: var(--soft); padding: 6px 10px; border-radius: 6px; overflow-x: auto; margin: 4px 0; }
`;

/** Draws timelines only when their scenario is opened (templates), so a 100-scenario page loads fast. */
export const SCRIPT = `
(function () {
  'use strict';
  function render(details) {
    var figures = details.querySelectorAll('figure.direction');
    for (var i = 0; i < figures.length; i++) {
      var fig = figures[i];
      if (fig.getAttribute('data-drawn') === '1') continue;
      var tpl = fig.querySelector('template');
      if (tpl) fig.appendChild(tpl.content.cloneNode(true));
      fig.setAttribute('data-drawn', '1');
    }
  }
  var all = document.querySelectorAll('details.scenario');
  for (var i = 0; i < all.length; i++) {
    all[i].addEventListener('toggle', function (e) { if (e.target.open) render(e.target); });
    if (all[i].open) render(all[i]);
  }
  function openHash() {
    var id = decodeURIComponent(location.hash.slice(1));
    var el = id && document.getElementById(id);
    if (el && el.tagName === 'DETAILS') { el.open = true; render(el); el.scrollIntoView(); }
  }
  window.addEventListener('hashchange', openHash);
  openHash();
  var mode = 'all';
  var search = document.getElementById('wf-search');
  function apply() {
    var q = (search.value || '').toLowerCase();
    var items = document.querySelectorAll('[data-status][data-name]');
    for (var i = 0; i < items.length; i++) {
      var el = items[i];
      var show = (mode === 'all' || el.getAttribute('data-status') !== 'met') && el.getAttribute('data-name').toLowerCase().indexOf(q) >= 0;
      el.classList.toggle('hidden', !show);
    }
  }
  var buttons = document.querySelectorAll('.filters button');
  for (var j = 0; j < buttons.length; j++) {
    buttons[j].addEventListener('click', function (e) {
      mode = e.currentTarget.getAttribute('data-filter');
      for (var k = 0; k < buttons.length; k++) buttons[k].setAttribute('aria-pressed', String(buttons[k] === e.currentTarget));
      apply();
    });
  }
  search.addEventListener('input', apply);
})();
`;

/** Shared SVG definitions (the hatch for dropped bytes), referenced by every timeline. */
export const SVG_DEFS =
  '<svg width="0" height="0" style="position:absolute" aria-hidden="true"><defs>' +
  '<pattern id="wf-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">' +
  '<rect width="6" height="6" fill="#ffe3e3"/><line x1="0" y1="0" x2="0" y2="6" stroke="#e03131" stroke-width="3"/></pattern>' +
  '</defs></svg>';
