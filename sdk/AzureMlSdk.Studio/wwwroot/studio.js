// AzureMlSdk Studio: charts (uPlot), live updates (server-sent events) and small form helpers (pipeline graphs: graph.js).
// No framework and no build step; everything the page shows from the workspace is set with textContent.
(function () {
  'use strict';
  var base = (document.querySelector('meta[name="studio-base"]') || { content: '' }).content;
  var palette = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];
  var charts = [];
  var xMode = 'step';
  var smoothing = 0;

  // Exponential moving average, as TensorBoard's smoothing slider (gaps stay gaps).
  function ema(ys, a) {
    if (!a) { return ys; }
    var out = new Array(ys.length), last = null;
    for (var i = 0; i < ys.length; i++) {
      var v = ys[i];
      if (v == null) { out[i] = null; continue; }
      last = last == null ? v : last * a + (1 - a) * v;
      out[i] = last;
    }
    return out;
  }

  function load(c) {
    var q = new URLSearchParams();
    c.runs.forEach(function (r) { q.append('run', r); });
    q.set('key', c.metric);
    q.set('x', xMode);
    c.el.dataset.state = 'loading';
    return fetch(base + '/api/metrics?' + q.toString(), { credentials: 'same-origin' })
      .then(function (res) { if (!res.ok) { throw new Error('HTTP ' + res.status); } return res.json(); })
      .then(function (body) { c.body = body; draw(c); })
      .catch(function (err) {
        c.el.dataset.state = 'error';
        c.el.textContent = 'Could not load metric ' + c.metric + ': ' + err.message;
      });
  }

  function draw(c) {
    var body = c.body;
    if (!body || typeof uPlot === 'undefined') { return; }
    var tables = body.series.map(function (s) { return [s.x, s.y]; });
    var data = tables.length === 1 ? tables[0] : uPlot.join(tables);
    data = [data[0]].concat(data.slice(1).map(function (ys) { return ema(ys, smoothing); }));
    var shown = 0, total = 0;
    body.series.forEach(function (s) { shown += s.x.length; total += s.total; });
    c.el.dataset.points = String(shown);
    c.el.dataset.total = String(total);
    c.el.dataset.series = String(body.series.length);
    c.el.setAttribute('aria-label', 'Chart of metric ' + c.metric + ' over ' + body.x + ': ' +
      body.series.map(function (s) { return s.name; }).join(', ') + '; ' + shown + ' points shown' +
      (total > shown ? ' of ' + total + ' (downsampled)' : '') + (smoothing ? ', smoothing ' + smoothing : ''));
    var opts = {
      width: Math.max(300, c.el.clientWidth || 600),
      height: 260,
      scales: { x: { time: body.x === 'time' } },
      axes: [{ label: body.x === 'time' ? 'time' : 'step' }, { label: c.metric }],
      series: [{ label: body.x }].concat(body.series.map(function (s, i) {
        return { label: s.name, stroke: palette[i % palette.length], width: 1.5, spanGaps: true, points: { show: s.x.length < 50 } };
      })),
    };
    if (c.plot) { c.plot.destroy(); }
    c.el.textContent = '';
    c.plot = new uPlot(opts, data, c.el);
    c.el.dataset.state = 'ready';
    if (window.performance && performance.mark) { performance.mark('studio-chart-ready:' + c.metric); } // read by eng/bench/studio
  }

  function initCharts() {
    document.querySelectorAll('.chart[data-metric]').forEach(function (el) {
      charts.push({ el: el, metric: el.dataset.metric, runs: (el.dataset.runs || '').split(',').filter(Boolean) });
    });
    if (!charts.length) { return; }
    charts.forEach(load);
    var x = document.getElementById('chart-x');
    if (x) { x.addEventListener('change', function () { xMode = x.value; charts.forEach(load); }); }
    var s = document.getElementById('chart-smoothing');
    var out = document.getElementById('chart-smoothing-value');
    if (s) {
      s.addEventListener('input', function () {
        smoothing = parseFloat(s.value) || 0;
        if (out) { out.textContent = String(smoothing); }
        charts.forEach(draw);
      });
    }
    var resizeTimer = null;
    window.addEventListener('resize', function () {
      clearTimeout(resizeTimer);
      resizeTimer = setTimeout(function () {
        charts.forEach(function (c) { if (c.plot) { c.plot.setSize({ width: Math.max(300, c.el.clientWidth), height: 260 }); } });
      }, 150);
    });
  }

  // Live updates of a running run: status, latest values, charts.
  function initLive() {
    var main = document.querySelector('main[data-live-run]');
    if (!main || typeof EventSource === 'undefined') { return; }
    var id = main.dataset.liveRun;
    var known = charts.map(function (c) { return c.metric; }).sort().join('\n');
    var es = new EventSource(base + '/api/runs/' + encodeURIComponent(id) + '/events');
    var pending = false;
    function refresh() {
      if (pending) { return; }
      pending = true;
      Promise.all(charts.map(load)).then(function () { pending = false; });
    }
    es.addEventListener('update', function (e) {
      var run = JSON.parse(e.data);
      var status = document.getElementById('run-status');
      if (status) {
        status.textContent = run.status;
        status.className = 'status s-' + run.status.toLowerCase();
      }
      var keys = Object.keys(run.metrics).sort();
      if (keys.join('\n') !== known && keys.length) {
        // A new metric appeared: the page lays out one chart per metric.
        es.close();
        window.location.reload();
        return;
      }
      keys.forEach(function (k) {
        document.querySelectorAll('td[data-latest]').forEach(function (td) {
          if (td.dataset.latest === k) { td.textContent = String(run.metrics[k].value); }
        });
      });
      refresh();
    });
    es.addEventListener('end', function (e) {
      es.close();
      var status = document.getElementById('run-status');
      if (status) {
        var s = JSON.parse(e.data).status;
        status.textContent = s;
        status.className = 'status s-' + s.toLowerCase();
      }
      main.removeAttribute('data-live-run');
      main.dataset.liveEnded = '1';
      refresh();
    });
  }

  // The runs table: "Compare selected runs" needs two or more.
  function initCompare() {
    var form = document.getElementById('runs-form');
    var button = document.getElementById('compare-button');
    if (!form || !button) { return; }
    function update() {
      var n = form.querySelectorAll('input[name="runs"]:checked').length;
      button.disabled = n < 2;
      button.textContent = n < 2 ? 'Compare selected runs (select two or more)' : 'Compare ' + n + ' selected runs';
    }
    form.addEventListener('change', update);
    update();
  }

  // Live tail of a running run's log artifact.
  function initLogTail() {
    var pre = document.getElementById('log-tail');
    var main = document.querySelector('main[data-live-run]');
    if (!pre || !main || typeof EventSource === 'undefined') { return; }
    var es = new EventSource(base + '/api/runs/' + encodeURIComponent(main.dataset.liveRun) + '/log?path=' + encodeURIComponent(pre.dataset.logPath));
    es.addEventListener('append', function (e) {
      var atBottom = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
      pre.textContent += JSON.parse(e.data);
      if (atBottom) { pre.scrollTop = pre.scrollHeight; }
    });
    es.addEventListener('end', function () { es.close(); pre.dataset.ended = '1'; });
  }

  // A job's page: live state (status, times, error) and its log, by server-sent events.
  function initJob() {
    var main = document.querySelector('main[data-job]');
    if (!main || typeof EventSource === 'undefined') { return; }
    var name = encodeURIComponent(main.dataset.job);
    function show(job) {
      var status = document.getElementById('job-status');
      if (status) {
        status.textContent = job.status;
        status.className = 'status s-' + job.status.toLowerCase();
      }
      [['job-started', job.started], ['job-ended', job.ended], ['job-duration', job.duration]].forEach(function (p) {
        var el = document.getElementById(p[0]);
        if (el && p[1] != null) { el.textContent = p[1]; }
      });
      var err = document.getElementById('job-error');
      if (err && job.error) {
        err.textContent = '(' + job.error.code + ') ' + job.error.message;
        err.hidden = false;
      }
      if (job.terminal) {
        document.querySelectorAll('form[action$="/jobs/' + name + '/cancel"]').forEach(function (f) { f.remove(); });
      }
    }
    if (main.dataset.liveJob) {
      var es = new EventSource(base + '/api/jobs/' + name + '/events');
      es.addEventListener('update', function (e) { show(JSON.parse(e.data)); });
      es.addEventListener('steps', function (e) { if (window.studioGraph) { window.studioGraph.draw(JSON.parse(e.data)); } });
      es.addEventListener('end', function (e) {
        es.close();
        show(JSON.parse(e.data));
        main.removeAttribute('data-live-job');
        main.dataset.liveEnded = '1';
      });
    }
    var pre = document.getElementById('job-log');
    if (pre) {
      var log = new EventSource(base + '/api/jobs/' + name + '/log');
      log.addEventListener('append', function (e) {
        var atBottom = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
        pre.textContent += JSON.parse(e.data);
        if (atBottom) { pre.scrollTop = pre.scrollHeight; }
      });
      log.addEventListener('end', function () { log.close(); pre.dataset.ended = '1'; });
    }
  }

  function start() { initCharts(); initLive(); initCompare(); initLogTail(); initJob(); }
  if (document.readyState === 'loading') { document.addEventListener('DOMContentLoaded', start); } else { start(); }
})();
