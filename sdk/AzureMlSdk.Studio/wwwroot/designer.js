// AzureMlSdk Studio designer: compose a pipeline from registered components on a canvas.
// Palette → canvas by HTML5 drag and drop (or each component's "Add step" button); an output port dragged onto an input port
// connects them (or each input's "Source of step.input" list does). The server builds, checks, submits and exports the pipeline;
// this file only keeps the graph, draws it and sends it. Everything from the workspace is set with textContent / attributes.
(function () {
  'use strict';
  var root = document.getElementById('designer');
  if (!root) { return; }
  var base = (document.querySelector('meta[name="studio-base"]') || { content: '' }).content;
  var csrf = (document.querySelector('meta[name="csrf-token"]') || { content: '' }).content;
  var canvas = document.getElementById('canvas');
  var svg = document.getElementById('edges');
  var SVGNS = 'http://www.w3.org/2000/svg';
  var DND_TYPE = 'application/x-azml-component';
  var LITERAL = { string: 1, integer: 1, number: 1, boolean: 1 };
  var TYPES = ['string', 'integer', 'number', 'boolean', 'uri_folder', 'uri_file', 'mltable', 'custom_model', 'mlflow_model', 'triton_model'];

  var components = {};   // "name:version" → component
  var computes = [];
  var steps = [];        // {name, comp, displayName, compute, x, y, inputs: {in: {kind, value}}, outputs: {out: {expose}}, el, rows}
  var pipelineInputs = []; // {name, type, value, row}
  var problems = [];
  var validateTimer = null;
  var validateSeq = 0;

  function key(name, version) { return name + ':' + version; }

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    if (attrs) { Object.keys(attrs).forEach(function (k) { if (attrs[k] != null) { e.setAttribute(k, attrs[k]); } }); }
    if (text != null) { e.textContent = text; }
    return e;
  }

  function api(path, options) {
    options = options || {};
    options.credentials = 'same-origin';
    return fetch(base + path, options);
  }

  function post(path, body) {
    return api(path, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf }, body: JSON.stringify(body) });
  }

  // ---- steps ------------------------------------------------------------------------------------------------------------

  function stepName(componentName) {
    var n = componentName.replace(/[^A-Za-z0-9_]/g, '_');
    if (!/^[A-Za-z_]/.test(n)) { n = '_' + n; }
    var name = n, i = 2;
    while (findStep(name)) { name = n + '_' + (i++); }
    return name;
  }

  function findStep(name) {
    for (var i = 0; i < steps.length; i++) { if (steps[i].name === name) { return steps[i]; } }
    return null;
  }

  // The first free cell of a grid (left to right, then down) that no step overlaps.
  function nextPosition() {
    var w = 320, h = 280, cols = Math.max(1, Math.floor((canvas.clientWidth - 16) / w));
    for (var n = 0; n < 1000; n++) {
      var x = 16 + (n % cols) * w, y = 16 + Math.floor(n / cols) * h;
      var free = steps.every(function (s) {
        var sw = s.el.offsetWidth || 280, sh = s.el.offsetHeight || 200;
        return x + 290 <= s.x || s.x + sw + 10 <= x || y + 210 <= s.y || s.y + sh + 10 <= y;
      });
      if (free) { return { x: x, y: y }; }
    }
    return { x: 16, y: 16 };
  }

  function addStep(comp, x, y, saved) {
    var pos = x == null ? nextPosition() : { x: x, y: y };
    var step = {
      name: saved ? saved.name : stepName(comp.name),
      comp: comp,
      displayName: saved ? saved.displayName || '' : '',
      compute: saved ? saved.compute || '' : '',
      x: Math.max(0, pos.x), y: Math.max(0, pos.y),
      inputs: {}, outputs: {}, rows: {}
    };
    comp.inputs.forEach(function (i) {
      var s = saved && saved.inputs && saved.inputs[i.name];
      step.inputs[i.name] = s ? { kind: s.kind || 'none', value: s.value || '' } : { kind: 'none', value: '' };
    });
    comp.outputs.forEach(function (o) {
      var s = saved && saved.outputs && saved.outputs[o.name];
      step.outputs[o.name] = { expose: s ? s.expose || '' : '' };
    });
    steps.push(step);
    renderStep(step);
    changed();
    return step;
  }

  function removeStep(step) {
    steps.splice(steps.indexOf(step), 1);
    step.el.remove();
    steps.forEach(function (s) {
      Object.keys(s.inputs).forEach(function (n) {
        var src = s.inputs[n];
        if (src.kind === 'step' && src.value.split('.')[0] === step.name) { src.kind = 'none'; src.value = ''; }
      });
    });
    changed();
  }

  function renameStep(step, name) {
    var old = step.name;
    if (name === old) { return; }
    step.name = name;
    steps.forEach(function (s) {
      Object.keys(s.inputs).forEach(function (n) {
        var src = s.inputs[n];
        if (src.kind === 'step' && src.value.split('.')[0] === old) { src.value = name + src.value.slice(old.length); }
      });
    });
    relabel(step);
    changed();
  }

  function renderStep(step) {
    var comp = step.comp;
    var node = el('div', { 'class': 'step' + (comp.missing ? ' missing' : ''), role: 'group', 'data-step': step.name });
    step.el = node;
    var head = el('div', { 'class': 'step-head', title: 'Drag to move' });
    var nameInput = el('input', { 'class': 'step-name', value: step.name, spellcheck: 'false' });
    nameInput.addEventListener('change', function () {
      var v = nameInput.value.trim();
      if (!v || (findStep(v) && findStep(v) !== step)) { nameInput.value = step.name; return; }
      renameStep(step, v);
    });
    head.appendChild(nameInput);
    head.appendChild(el('span', { 'class': 'step-component' }, comp.name + ':' + comp.version));
    var remove = el('button', { type: 'button', 'class': 'remove' }, '×');
    remove.addEventListener('click', function () { removeStep(step); });
    head.appendChild(remove);
    node.appendChild(head);
    if (comp.missing) { node.appendChild(el('p', { 'class': 'error' }, 'This component version is not registered.')); }

    var ins = el('div', { 'class': 'ports ports-in' });
    comp.inputs.forEach(function (i) {
      var row = el('div', { 'class': 'port-row', 'data-input': i.name });
      var port = el('span', { 'class': 'port in-port', 'data-step-input': i.name, title: 'Input ' + i.name + ' (' + i.type + ')' });
      row.appendChild(port);
      var label = el('span', { 'class': 'port-label' });
      label.appendChild(el('span', { 'class': 'io-name' }, i.name));
      label.appendChild(el('small', { 'class': 'io-type' }, ' ' + i.type + (i.optional ? ', optional' : '') + (i['default'] != null ? ' = ' + i['default'] : '')));
      row.appendChild(label);
      var select = el('select', { 'class': 'source' });
      select.addEventListener('change', function () {
        var v = select.value, src = step.inputs[i.name];
        var colon = v.indexOf(':');
        src.kind = colon < 0 ? v : v.slice(0, colon);
        if (src.kind === 'parent' || src.kind === 'step') { src.value = v.slice(colon + 1); }
        else if (src.kind === 'none') { src.value = ''; }
        else { src.value = value.value; }
        syncRow(step, i);
        changed();
      });
      row.appendChild(select);
      var value;
      if (i.type === 'boolean') {
        value = el('select', { 'class': 'value' });
        ['', 'true', 'false'].forEach(function (b) { value.appendChild(el('option', { value: b }, b || '(value)')); });
      } else {
        value = el('input', { 'class': 'value', spellcheck: 'false', placeholder: LITERAL[i.type] ? (i['default'] != null ? String(i['default']) : i.type) : 'azureml:name:version or path' });
        if (i['enum']) {
          var listId = 'enum-' + Math.random().toString(36).slice(2);
          var list = el('datalist', { id: listId });
          i['enum'].forEach(function (v) { list.appendChild(el('option', { value: v })); });
          row.appendChild(list);
          value.setAttribute('list', listId);
        }
      }
      var onValue = function () {
        var src = step.inputs[i.name];
        src.value = value.value;
        src.kind = value.value === '' ? 'none' : (LITERAL[i.type] ? 'literal' : 'path');
        syncRow(step, i);
        changed();
      };
      value.addEventListener(value.tagName === 'SELECT' ? 'change' : 'input', onValue);
      row.appendChild(value);
      if (i.description) { row.title = i.description; }
      ins.appendChild(row);
      step.rows[i.name] = { row: row, select: select, value: value, port: port, input: i };
    });
    node.appendChild(ins);

    var outs = el('div', { 'class': 'ports ports-out' });
    comp.outputs.forEach(function (o) {
      var row = el('div', { 'class': 'port-row out', 'data-output': o.name });
      var label = el('span', { 'class': 'port-label' });
      label.appendChild(el('span', { 'class': 'io-name' }, o.name));
      label.appendChild(el('small', { 'class': 'io-type' }, ' ' + o.type));
      row.appendChild(label);
      var expose = el('input', { 'class': 'expose', placeholder: 'pipeline output', spellcheck: 'false', value: step.outputs[o.name].expose });
      expose.addEventListener('input', function () { step.outputs[o.name].expose = expose.value.trim(); changed(); });
      row.appendChild(expose);
      var port = el('span', { 'class': 'port out-port', 'data-step-output': o.name, title: 'Output ' + o.name + ' (' + o.type + '): drag onto an input' });
      port.addEventListener('pointerdown', function (e) { startConnect(e, step, o); });
      row.appendChild(port);
      outs.appendChild(row);
      step.rows['out:' + o.name] = { row: row, port: port, expose: expose };
    });
    node.appendChild(outs);

    var foot = el('div', { 'class': 'step-foot' });
    var display = el('input', { 'class': 'step-display', placeholder: 'display name', value: step.displayName });
    display.addEventListener('input', function () { step.displayName = display.value; changed(); });
    foot.appendChild(display);
    var compute = el('select', { 'class': 'step-compute' });
    compute.appendChild(el('option', { value: '' }, 'Pipeline default compute'));
    computes.forEach(function (c) { compute.appendChild(el('option', { value: c }, c)); });
    if (step.compute && computes.indexOf(step.compute) < 0) { compute.appendChild(el('option', { value: step.compute }, step.compute)); }
    compute.value = step.compute;
    compute.addEventListener('change', function () { step.compute = compute.value; changed(); });
    foot.appendChild(compute);
    node.appendChild(foot);
    step.head = head; step.nameInput = nameInput; step.remove = remove; step.display = display; step.computeSelect = compute;

    head.addEventListener('pointerdown', function (e) { startMove(e, step); });
    node.style.left = step.x + 'px';
    node.style.top = step.y + 'px';
    canvas.appendChild(node);
    relabel(step);
    comp.inputs.forEach(function (i) { syncRow(step, i); });
  }

  // Accessible names follow the step's name.
  function relabel(step) {
    var n = step.name;
    step.el.setAttribute('data-step', n);
    step.el.setAttribute('aria-label', 'Step ' + n + ' (' + step.comp.name + ' version ' + step.comp.version + ')');
    step.nameInput.setAttribute('aria-label', 'Name of step ' + n);
    step.remove.setAttribute('aria-label', 'Remove step ' + n);
    step.display.setAttribute('aria-label', 'Display name of step ' + n);
    step.computeSelect.setAttribute('aria-label', 'Compute of step ' + n);
    Object.keys(step.rows).forEach(function (k) {
      var r = step.rows[k];
      if (k.indexOf('out:') === 0) {
        var o = k.slice(4);
        r.port.setAttribute('aria-label', 'Output port ' + n + '.' + o);
        r.expose.setAttribute('aria-label', 'Expose ' + n + '.' + o + ' as pipeline output');
      } else {
        r.port.setAttribute('aria-label', 'Input port ' + n + '.' + k);
        r.select.setAttribute('aria-label', 'Source of ' + n + '.' + k);
        r.value.setAttribute('aria-label', 'Value of ' + n + '.' + k);
      }
    });
  }

  // The source list of one input: not connected, a value (or data path), the pipeline inputs, the other steps' outputs.
  function fillSources(step, i) {
    var r = step.rows[i.name], src = step.inputs[i.name], select = r.select;
    while (select.firstChild) { select.removeChild(select.firstChild); }
    select.appendChild(el('option', { value: 'none' }, i.optional || i['default'] != null ? 'Not connected (default)' : 'Not connected'));
    select.appendChild(el('option', { value: LITERAL[i.type] ? 'literal' : 'path' }, LITERAL[i.type] ? 'Value' : 'Data path'));
    var group = el('optgroup', { label: 'Pipeline inputs' });
    pipelineInputs.forEach(function (p) { if (p.name) { group.appendChild(el('option', { value: 'parent:' + p.name }, 'pipeline input ' + p.name + ' (' + p.type + ')')); } });
    if (group.childNodes.length) { select.appendChild(group); }
    group = el('optgroup', { label: 'Step outputs' });
    steps.forEach(function (s) {
      if (s === step) { return; }
      s.comp.outputs.forEach(function (o) { group.appendChild(el('option', { value: 'step:' + s.name + '.' + o.name }, s.name + '.' + o.name + ' (' + o.type + ')')); });
    });
    if (group.childNodes.length) { select.appendChild(group); }
    var wanted = src.kind === 'parent' || src.kind === 'step' ? src.kind + ':' + src.value : src.kind;
    if (!Array.prototype.some.call(select.options, function (o) { return o.value === wanted; })) {
      // A source that no longer exists (a removed pipeline input): shown so the problem is visible.
      select.appendChild(el('option', { value: wanted }, wanted.replace(':', ' ') + ' (missing)'));
    }
    select.value = wanted;
  }

  function syncRow(step, i) {
    var r = step.rows[i.name], src = step.inputs[i.name];
    var showValue = src.kind === 'literal' || src.kind === 'path' || src.kind === 'none';
    r.value.hidden = !showValue;
    if ((src.kind === 'literal' || src.kind === 'path') && r.value.value !== src.value) { r.value.value = src.value; }
    if (src.kind === 'none' && r.value.value !== '') { r.value.value = ''; }
    r.row.classList.toggle('connected', src.kind === 'step' || src.kind === 'parent');
  }

  // ---- moving steps and connecting ports (pointer events) ---------------------------------------------------------------

  function canvasPoint(e) {
    var rect = canvas.getBoundingClientRect();
    return { x: e.clientX - rect.left + canvas.scrollLeft, y: e.clientY - rect.top + canvas.scrollTop };
  }

  function startMove(e, step) {
    if (e.button !== 0 || e.target.closest('input, select, button')) { return; }
    e.preventDefault();
    var start = canvasPoint(e), x0 = step.x, y0 = step.y;
    function move(ev) {
      var p = canvasPoint(ev);
      step.x = Math.max(0, x0 + p.x - start.x);
      step.y = Math.max(0, y0 + p.y - start.y);
      step.el.style.left = step.x + 'px';
      step.el.style.top = step.y + 'px';
      drawEdges();
    }
    function up() { window.removeEventListener('pointermove', move); window.removeEventListener('pointerup', up); }
    window.addEventListener('pointermove', move);
    window.addEventListener('pointerup', up);
  }

  function startConnect(e, step, output) {
    if (e.button !== 0) { return; }
    e.preventDefault();
    var from = center(step.rows['out:' + output.name].port);
    var line = document.createElementNS(SVGNS, 'path');
    line.setAttribute('class', 'edge pending');
    svg.appendChild(line);
    canvas.classList.add('connecting');
    function move(ev) { line.setAttribute('d', curve(from, canvasPoint(ev))); }
    function up(ev) {
      window.removeEventListener('pointermove', move);
      window.removeEventListener('pointerup', up);
      line.remove();
      canvas.classList.remove('connecting');
      var target = document.elementFromPoint(ev.clientX, ev.clientY);
      var row = target && target.closest('.step .port-row[data-input]');
      if (!row) { return; }
      var targetStep = findStep(row.closest('.step').getAttribute('data-step'));
      if (!targetStep || targetStep === step) { announce('A step cannot take its own output.'); return; }
      var inputName = row.getAttribute('data-input');
      targetStep.inputs[inputName] = { kind: 'step', value: step.name + '.' + output.name };
      changed();
      announce('Connected ' + step.name + '.' + output.name + ' to ' + targetStep.name + '.' + inputName + '.');
    }
    window.addEventListener('pointermove', move);
    window.addEventListener('pointerup', up);
  }

  function center(node) {
    var rect = node.getBoundingClientRect(), c = canvas.getBoundingClientRect();
    return { x: rect.left + rect.width / 2 - c.left + canvas.scrollLeft, y: rect.top + rect.height / 2 - c.top + canvas.scrollTop };
  }

  function curve(a, b) {
    var dx = Math.max(40, Math.abs(b.x - a.x) / 2);
    return 'M' + a.x + ',' + a.y + ' C' + (a.x + dx) + ',' + a.y + ' ' + (b.x - dx) + ',' + b.y + ' ' + b.x + ',' + b.y;
  }

  function drawEdges() {
    svg.setAttribute('width', String(canvas.scrollWidth));
    svg.setAttribute('height', String(canvas.scrollHeight));
    Array.prototype.slice.call(svg.querySelectorAll('path.edge:not(.pending)')).forEach(function (p) { p.remove(); });
    var names = [];
    steps.forEach(function (s) {
      Object.keys(s.inputs).forEach(function (n) {
        var src = s.inputs[n];
        if (src.kind !== 'step') { return; }
        var dot = src.value.indexOf('.'), producer = findStep(src.value.slice(0, dot));
        var out = producer && producer.rows['out:' + src.value.slice(dot + 1)];
        if (!out) { return; }
        var path = document.createElementNS(SVGNS, 'path');
        path.setAttribute('class', 'edge');
        path.setAttribute('data-edge', src.value + '->' + s.name + '.' + n);
        path.setAttribute('d', curve(center(out.port), center(s.rows[n].port)));
        svg.appendChild(path);
        names.push(src.value + ' → ' + s.name + '.' + n);
      });
    });
    document.getElementById('edges-list').textContent = names.length ? 'Connections: ' + names.join('; ') + '.' : 'No connections.';
  }

  function announce(text) { document.getElementById('edges-list').textContent = text; }

  // ---- palette: drag and drop, and the Add step buttons ------------------------------------------------------------------

  // A component version's details (the palette has the latest ones; older ones are fetched when picked).
  function component(name, version) {
    var k = key(name, version);
    if (components[k]) { return Promise.resolve(components[k]); }
    return api('/api/designer/components/' + encodeURIComponent(name) + '/versions/' + encodeURIComponent(version))
      .then(function (res) { if (!res.ok) { throw new Error('HTTP ' + res.status); } return res.json(); })
      .then(function (c) { components[k] = c; return c; });
  }

  function failed(err) { showProblems([{ message: 'Could not load the component: ' + err.message }], false); }

  Array.prototype.forEach.call(document.querySelectorAll('#palette li.component'), function (li) {
    var name = li.getAttribute('data-component');
    var versions = li.querySelector('select.version-select');
    var listed = false;
    function listVersions() {
      if (listed) { return; }
      listed = true;
      api('/api/designer/components/' + encodeURIComponent(name) + '/versions')
        .then(function (res) { if (!res.ok) { throw new Error('HTTP ' + res.status); } return res.json(); })
        .then(function (body) {
          body.versions.forEach(function (v) {
            if (!Array.prototype.some.call(versions.options, function (o) { return o.value === v; })) { versions.appendChild(el('option', { value: v }, v)); }
          });
        })
        .catch(function () { listed = false; });
    }
    versions.addEventListener('focus', listVersions);
    versions.addEventListener('pointerdown', listVersions);
    li.addEventListener('dragstart', function (e) {
      e.dataTransfer.setData(DND_TYPE, key(name, versions.value));
      e.dataTransfer.setData('text/plain', name);
      e.dataTransfer.effectAllowed = 'copy';
    });
    li.querySelector('button.add-step').addEventListener('click', function () {
      component(name, versions.value).then(function (c) { addStep(c); }).catch(failed);
    });
  });

  canvas.addEventListener('dragover', function (e) {
    if (Array.prototype.indexOf.call(e.dataTransfer.types, DND_TYPE) >= 0) {
      e.preventDefault();
      e.dataTransfer.dropEffect = 'copy';
      canvas.classList.add('drop-target');
    }
  });
  canvas.addEventListener('dragleave', function () { canvas.classList.remove('drop-target'); });
  canvas.addEventListener('drop', function (e) {
    canvas.classList.remove('drop-target');
    var k = e.dataTransfer.getData(DND_TYPE);
    var colon = k.lastIndexOf(':');
    if (colon <= 0) { return; }
    e.preventDefault();
    var p = canvasPoint(e);
    component(k.slice(0, colon), k.slice(colon + 1)).then(function (c) { addStep(c, p.x - 20, p.y - 16); }).catch(failed);
  });

  // ---- pipeline inputs ---------------------------------------------------------------------------------------------------

  function addPipelineInput(saved) {
    var p = { name: saved ? saved.name : '', type: saved ? saved.type : 'string', value: saved ? saved.value : '' };
    if (!saved) {
      var n = 1;
      while (pipelineInputs.some(function (q) { return q.name === 'input_' + n; })) { n++; }
      p.name = 'input_' + n;
    }
    var tbody = document.querySelector('#pipeline-inputs tbody');
    var row = el('tr');
    var name = el('input', { value: p.name, spellcheck: 'false' });
    var type = el('select');
    TYPES.forEach(function (t) { type.appendChild(el('option', { value: t }, t)); });
    type.value = p.type;
    var value = el('input', { value: p.value, spellcheck: 'false' });
    var remove = el('button', { type: 'button' }, 'Remove');
    function label() {
      name.setAttribute('aria-label', 'Name of pipeline input ' + p.name);
      type.setAttribute('aria-label', 'Type of pipeline input ' + p.name);
      value.setAttribute('aria-label', 'Value of pipeline input ' + p.name);
      remove.setAttribute('aria-label', 'Remove pipeline input ' + p.name);
    }
    name.addEventListener('change', function () {
      var old = p.name;
      p.name = name.value.trim();
      steps.forEach(function (s) { Object.keys(s.inputs).forEach(function (n) { var src = s.inputs[n]; if (src.kind === 'parent' && src.value === old) { src.value = p.name; } }); });
      label();
      changed();
    });
    type.addEventListener('change', function () { p.type = type.value; changed(); });
    value.addEventListener('input', function () { p.value = value.value; changed(); });
    remove.addEventListener('click', function () { pipelineInputs.splice(pipelineInputs.indexOf(p), 1); row.remove(); changed(); });
    [name, type, value, remove].forEach(function (c) { var td = el('td'); td.appendChild(c); row.appendChild(td); });
    tbody.appendChild(row);
    p.row = row;
    label();
    pipelineInputs.push(p);
    if (!saved) { changed(); name.focus(); }
  }

  document.getElementById('add-input').addEventListener('click', function () { addPipelineInput(null); });

  // ---- the graph, checks, submit, YAML ----------------------------------------------------------------------------------

  function field(id) { return document.getElementById(id); }

  function graph() {
    return {
      displayName: field('pipeline-display-name').value,
      experimentName: field('pipeline-experiment').value,
      description: field('pipeline-description').value,
      defaultCompute: field('pipeline-compute').value,
      continueOnStepFailure: field('pipeline-continue').checked,
      forceRerun: field('pipeline-force-rerun').checked,
      inputs: pipelineInputs.map(function (p) { return { name: p.name, type: p.type, value: p.value }; }),
      steps: steps.map(function (s) {
        var outputs = {};
        Object.keys(s.outputs).forEach(function (o) { if (s.outputs[o].expose) { outputs[o] = { expose: s.outputs[o].expose }; } });
        return {
          name: s.name, component: s.comp.name, version: s.comp.version, displayName: s.displayName, compute: s.compute,
          x: Math.round(s.x), y: Math.round(s.y), inputs: s.inputs, outputs: outputs
        };
      })
    };
  }

  function changed() {
    steps.forEach(function (s) { s.comp.inputs.forEach(function (i) { fillSources(s, i); syncRow(s, i); }); });
    field('canvas-empty').hidden = steps.length > 0;
    drawEdges();
    root.setAttribute('data-steps', String(steps.length));
    clearTimeout(validateTimer);
    validateTimer = setTimeout(validate, 250);
  }

  function validate() {
    if (!steps.length) { showProblems([], false); return; }
    var seq = ++validateSeq;
    root.setAttribute('data-validating', '1');
    post('/api/designer/validate', graph())
      .then(function (res) { return res.json().then(function (body) { return { ok: res.ok, body: body }; }); })
      .then(function (r) {
        if (seq !== validateSeq) { return; }
        root.removeAttribute('data-validating');
        showProblems(r.ok ? r.body.problems : [{ message: r.body.error || 'The studio could not check the pipeline.' }], true);
      })
      .catch(function (err) {
        if (seq === validateSeq) { root.removeAttribute('data-validating'); showProblems([{ message: 'Could not check the pipeline: ' + err.message }], true); }
      });
  }

  function showProblems(list, checked) {
    problems = list;
    var box = field('designer-problems');
    while (box.firstChild) { box.removeChild(box.firstChild); }
    steps.forEach(function (s) {
      s.el.classList.remove('invalid');
      Object.keys(s.rows).forEach(function (k) { if (s.rows[k].select) { s.rows[k].select.removeAttribute('aria-invalid'); s.rows[k].row.classList.remove('invalid'); } });
    });
    root.setAttribute('data-problems', String(list.length));
    if (checked) { root.setAttribute('data-checked', '1'); }
    if (!list.length) {
      if (checked && steps.length) { box.appendChild(el('p', { 'class': 'ok' }, 'The pipeline is ready to submit.')); }
      return;
    }
    box.appendChild(el('h2', null, 'Problems'));
    var ul = el('ul');
    list.forEach(function (p) {
      var li = el('li', null, p.message);
      if (p.step) { li.setAttribute('data-step', p.step); }
      ul.appendChild(li);
      var s = p.step && findStep(p.step);
      if (s) {
        s.el.classList.add('invalid');
        var r = p.input && s.rows[p.input];
        if (r && r.select) { r.select.setAttribute('aria-invalid', 'true'); r.row.classList.add('invalid'); }
      }
    });
    box.appendChild(ul);
  }

  field('designer-form').addEventListener('submit', function () {
    field('designer-graph').value = JSON.stringify(graph());
    field('designer-submit').disabled = true; // one submit; the server answers with the job's page or the problems
  });

  var downloadUrl = null;
  field('export-yaml').addEventListener('click', function () {
    var section = field('yaml-section'), pre = field('designer-yaml');
    post('/api/designer/yaml', graph())
      .then(function (res) { return res.json().then(function (body) { return { ok: res.ok, body: body }; }); })
      .then(function (r) {
        if (!r.ok) {
          showProblems(r.body.problems || [{ message: r.body.error || 'The studio could not write the YAML.' }], true);
          section.hidden = true;
          return;
        }
        showProblems([], true);
        pre.textContent = r.body.yaml;
        if (downloadUrl) { URL.revokeObjectURL(downloadUrl); }
        downloadUrl = URL.createObjectURL(new Blob([r.body.yaml], { type: 'application/yaml' }));
        field('yaml-download').setAttribute('href', downloadUrl);
        section.hidden = false;
        pre.focus();
      })
      .catch(function (err) { showProblems([{ message: 'Could not export the YAML: ' + err.message }], true); });
  });

  window.addEventListener('resize', drawEdges);
  canvas.addEventListener('scroll', drawEdges);

  // ---- start: the palette's details, then a graph shown again with its problems ------------------------------------------

  function restore(saved) {
    (saved.inputs || []).forEach(function (p) { addPipelineInput(p); });
    var missing = (saved.steps || []).filter(function (s) { return !components[key(s.component, s.version)]; });
    return Promise.all(missing.map(function (s) {
      return api('/api/designer/components/' + encodeURIComponent(s.component) + '/versions/' + encodeURIComponent(s.version))
        .then(function (res) { if (!res.ok) { throw new Error('HTTP ' + res.status); } return res.json(); })
        .then(function (c) { components[key(c.name, c.version)] = c; })
        .catch(function () { components[key(s.component, s.version)] = { name: s.component, version: s.version, inputs: [], outputs: [], missing: true }; });
    })).then(function () {
      (saved.steps || []).forEach(function (s) { addStep(components[key(s.component, s.version)], s.x, s.y, s); });
    });
  }

  api('/api/designer/components')
    .then(function (res) { if (!res.ok) { throw new Error('HTTP ' + res.status); } return res.json(); })
    .then(function (body) {
      body.components.forEach(function (c) { components[key(c.name, c.version)] = c; });
      computes = body.computes;
      var saved = root.getAttribute('data-graph');
      return saved ? restore(JSON.parse(saved)) : null;
    })
    .then(function () {
      // A page shown again after a refused submit keeps the server's problems (and its "Nothing was submitted") until the next edit.
      var refused = root.hasAttribute('data-graph');
      changed();
      if (refused) { clearTimeout(validateTimer); }
      root.setAttribute('data-ready', '1');
    })
    .catch(function (err) {
      showProblems([{ message: 'Could not load the components: ' + err.message }], false);
    });
})();
