// AzureMlSdk Studio: a pipeline job's graph, loaded (after dagre) only by pipeline pages. No framework and no build step;
// every text from the workspace is set with textContent. studio.js feeds it the job's live 'steps' events.
(function () {
  'use strict';
  // A pipeline's graph: steps laid out by dagre (top to bottom), drawn as SVG; every text from the workspace is set with
  // textContent. Live: the job's event stream sends 'steps' whenever a step changes; the steps table follows too.
  var SVG = 'http://www.w3.org/2000/svg';
  var NODE_W = 232, NODE_H = 70;
  var graphState = null;

  function svg(name, attrs, parent) {
    var el = document.createElementNS(SVG, name);
    Object.keys(attrs || {}).forEach(function (k) { el.setAttribute(k, attrs[k]); });
    if (parent) { parent.appendChild(el); }
    return el;
  }

  function fit(text, max) { return text.length > max ? text.slice(0, max - 1) + '\u2026' : text; }

  function stateText(state) {
    return state === 'NotStarted' ? 'Not started' : state === 'NotRun' ? 'Not run' : state === 'CancelRequested' ? 'Cancel requested' : state;
  }

  function stepLabel(s) {
    return 'Step ' + s.step + ': ' + stateText(s.state) + (s.reused ? ', reused' + (s.reusedRunId ? ' from job ' + s.reusedRunId : '') : '') +
      (s.duration && s.duration !== '\u2014' ? ', ' + s.duration : '') + (s.job ? ', job ' + s.job : ', no job yet');
  }

  function structureKey(g) {
    return JSON.stringify([g.steps.map(function (s) { return s.step; }), g.edges.map(function (e) { return [e.from, e.to, e.label]; })]);
  }

  // The inside of one step's node (its <a> stays, so keyboard focus survives live updates).
  function fillNode(a, s) {
    while (a.firstChild) { a.removeChild(a.firstChild); }
    a.setAttribute('class', 'step s-' + s.state.toLowerCase() + (s.reused ? ' is-reused' : ''));
    a.setAttribute('data-step', s.step);
    a.setAttribute('data-state', s.state);
    a.setAttribute('data-reused', s.reused ? 'true' : 'false');
    a.setAttribute('aria-label', stepLabel(s));
    if (s.href) { a.setAttribute('href', s.href); } else { a.removeAttribute('href'); }
    var title = svg('title', {}, a);
    title.textContent = stepLabel(s);
    svg('rect', { class: 'step-box', x: -NODE_W / 2, y: -NODE_H / 2, width: NODE_W, height: NODE_H, rx: 6 }, a);
    svg('rect', { class: 'step-bar', x: -NODE_W / 2, y: -NODE_H / 2, width: 6, height: NODE_H, rx: 3 }, a);
    var name = svg('text', { class: 'step-name', x: -NODE_W / 2 + 14, y: -NODE_H / 2 + 20 }, a);
    name.textContent = fit(s.step, 27);
    var state = svg('text', { class: 'step-state', x: -NODE_W / 2 + 14, y: -NODE_H / 2 + 40 }, a);
    state.textContent = stateText(s.state) + (s.duration && s.duration !== '\u2014' ? ' \u00b7 ' + s.duration : '');
    if (s.reused) {
      var mark = svg('g', { class: 'reused-mark', transform: 'translate(' + (NODE_W / 2 - 62) + ',' + (-NODE_H / 2 + 7) + ')' }, a);
      svg('rect', { width: 54, height: 17, rx: 3 }, mark);
      var t = svg('text', { x: 27, y: 12.5, 'text-anchor': 'middle' }, mark);
      t.textContent = 'reused';
      var from = svg('text', { class: 'step-from', x: -NODE_W / 2 + 14, y: -NODE_H / 2 + 59 }, a);
      from.textContent = s.reusedRunId ? fit('from ' + s.reusedRunId, 33) : 'reused';
    } else if (s.job) {
      var job = svg('text', { class: 'step-from', x: -NODE_W / 2 + 14, y: -NODE_H / 2 + 59 }, a);
      job.textContent = fit(s.job, 33);
    }
  }

  function layoutGraph(fig, g) {
    var d = new dagre.graphlib.Graph();
    d.setGraph({ rankdir: 'TB', nodesep: 36, ranksep: 56, edgesep: 16, marginx: 12, marginy: 12 });
    d.setDefaultEdgeLabel(function () { return {}; });
    g.steps.forEach(function (s) { d.setNode(s.step, { width: NODE_W, height: NODE_H }); });
    g.edges.forEach(function (e) {
      if (d.hasNode(e.from) && d.hasNode(e.to)) {
        d.setEdge(e.from, e.to, e.label ? { label: e.label, width: Math.min(220, 6.4 * e.label.length + 8), height: 16, labelpos: 'c' } : {});
      }
    });
    dagre.layout(d);
    var size = d.graph();
    var root = svg('svg', { class: 'graph', width: Math.ceil(size.width), height: Math.ceil(size.height), viewBox: '0 0 ' + Math.ceil(size.width) + ' ' + Math.ceil(size.height) });
    var defs = svg('defs', {}, root);
    var marker = svg('marker', { id: 'graph-arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 8, markerHeight: 8, orient: 'auto-start-reverse' }, defs);
    svg('path', { d: 'M0,0 L10,5 L0,10 z', class: 'edge-arrow' }, marker);
    var edges = svg('g', { class: 'edges', 'aria-hidden': 'true' }, root);
    d.edges().forEach(function (ref) {
      var e = d.edge(ref);
      var pts = e.points;
      var path = 'M' + pts[0].x + ',' + pts[0].y;
      for (var i = 1; i < pts.length; i++) { path += ' L' + pts[i].x + ',' + pts[i].y; }
      var edge = svg('g', { class: 'edge', 'data-from': ref.v, 'data-to': ref.w }, edges);
      svg('path', { d: path, 'marker-end': 'url(#graph-arrow)' }, edge);
      if (e.label) {
        svg('rect', { class: 'edge-label-bg', x: e.x - e.width / 2, y: e.y - 9, width: e.width, height: 16, rx: 3 }, edge);
        var t = svg('text', { class: 'edge-label', x: e.x, y: e.y + 3.5, 'text-anchor': 'middle' }, edge);
        t.textContent = fit(e.label, 34);
      }
    });
    var nodes = svg('g', { class: 'nodes', role: 'list' }, root);
    var byStep = {};
    g.steps.forEach(function (s) {
      var n = d.node(s.step);
      var item = svg('g', { role: 'listitem', transform: 'translate(' + n.x + ',' + n.y + ')' }, nodes);
      var a = svg('a', {}, item);
      byStep[s.step] = a;
    });
    while (fig.firstChild) { fig.removeChild(fig.firstChild); }
    fig.appendChild(root);
    return byStep;
  }

  function drawGraph(g) {
    var fig = document.getElementById('pipeline-graph');
    if (!fig || !g) { return; }
    if (typeof dagre === 'undefined') { fig.dataset.state = 'error'; return; }
    var key = structureKey(g);
    if (!graphState || graphState.key !== key) {
      graphState = { key: key, nodes: layoutGraph(fig, g) };
    }
    g.steps.forEach(function (s) { fillNode(graphState.nodes[s.step], s); });
    if (g.summary) { fig.setAttribute('aria-label', g.summary); }
    fig.dataset.steps = String(g.steps.length);
    fig.dataset.completed = String(g.steps.filter(function (s) { return s.state === 'Completed'; }).length);
    fig.dataset.reused = String(g.steps.filter(function (s) { return s.reused; }).length);
    fig.dataset.state = 'ready';
    updateStepsTable(g);
  }

  function updateStepsTable(g) {
    var table = document.getElementById('pipeline-steps');
    if (!table) { return; }
    g.steps.forEach(function (s) {
      var row = null;
      table.querySelectorAll('tbody tr').forEach(function (r) { if (r.dataset.step === s.step) { row = r; } });
      if (!row) { return; } // a step the page did not know: the graph shows it; a reload lists it
      if (s.job) { row.dataset.job = s.job; }
      var state = row.querySelector('[data-field="state"]');
      if (state) { state.textContent = stateText(s.state); state.className = 'status s-' + s.state.toLowerCase(); }
      var duration = row.querySelector('[data-field="duration"]');
      if (duration) { duration.textContent = s.duration || '\u2014'; }
      var job = row.querySelector('[data-field="job"]');
      if (job && s.job && s.href) {
        job.textContent = '';
        var a = document.createElement('a');
        a.href = s.href;
        a.textContent = s.job;
        job.appendChild(a);
      }
      var reused = row.querySelector('[data-field="reused"]');
      if (reused) {
        reused.textContent = '';
        if (s.reused) {
          var badge = document.createElement('span');
          badge.className = 'badge reused';
          badge.title = 'Reused the outputs of an earlier identical step';
          badge.textContent = 'reused';
          reused.appendChild(badge);
          if (s.reusedRunId) {
            reused.appendChild(document.createTextNode(' from '));
            var from = document.createElement('a');
            from.href = s.reusedHref;
            from.textContent = s.reusedRunId;
            reused.appendChild(from);
          }
        } else {
          var no = document.createElement('span');
          no.className = 'missing';
          no.textContent = 'no';
          reused.appendChild(no);
        }
      }
    });
  }

  function initGraph() {
    var fig = document.getElementById('pipeline-graph');
    if (!fig || !fig.dataset.graph) { return; }
    try {
      drawGraph(JSON.parse(fig.dataset.graph));
    } catch (err) {
      fig.dataset.state = 'error';
      fig.textContent = 'Could not draw the pipeline graph: ' + err.message;
    }
  }

  window.studioGraph = { draw: drawGraph };
  if (document.readyState === 'loading') { document.addEventListener('DOMContentLoaded', initGraph); } else { initGraph(); }
})();
