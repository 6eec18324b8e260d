/// The web page `neural-style serve` shows at `/`: one HTML document with its CSS and JavaScript inline, nothing fetched from elsewhere.
enum Page {
    /// The page's HTML.
    static let html = #"""
    <!doctype html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>neural-style</title>
    <style>
      :root { --bg: #f5f6f8; --card: #fff; --text: #1f2330; --muted: #6b7280; --line: #e3e6ec; --accent: #4f46e5; --accent-soft: #eef0ff; --danger: #b42318; --ok: #067647; }
      * { box-sizing: border-box; }
      [hidden] { display: none !important; }
      body { margin: 0; background: var(--bg); color: var(--text); font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; }
      header, main, footer { max-width: 1180px; margin: 0 auto; padding: 0 20px; }
      header { padding-top: 28px; padding-bottom: 8px; }
      h1 { margin: 0; font-size: 1.6rem; letter-spacing: -0.02em; }
      header p { margin: 4px 0 0; color: var(--muted); }
      main { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1.15fr); gap: 20px; align-items: start; padding-top: 16px; }
      @media (max-width: 860px) { main { grid-template-columns: minmax(0, 1fr); } }
      .card { background: var(--card); border: 1px solid var(--line); border-radius: 14px; padding: 20px; box-shadow: 0 1px 2px rgba(16, 24, 40, .04); }
      h2 { font-size: .8rem; text-transform: uppercase; letter-spacing: .06em; color: var(--muted); margin: 22px 0 10px; }
      h2:first-child { margin-top: 0; }
      .drop { position: relative; display: flex; align-items: center; gap: 14px; min-height: 96px; padding: 14px; border: 2px dashed #c9cdd8; border-radius: 12px; background: #fafbfc; cursor: pointer; transition: border-color .15s, background .15s; }
      .drop:hover, .drop:focus-within, .drop.over { border-color: var(--accent); background: var(--accent-soft); }
      .drop input[type=file] { position: absolute; width: 1px; height: 1px; opacity: 0; overflow: hidden; }
      .drop img { width: 96px; height: 72px; object-fit: cover; border-radius: 8px; flex: none; background: #eee; }
      .drop-text { display: flex; flex-direction: column; }
      .drop-text u { color: var(--accent); text-decoration: none; font-weight: 600; }
      .drop-info { color: var(--muted); font-size: .85rem; }
      label.field { display: flex; flex-direction: column; gap: 4px; font-size: .9rem; font-weight: 500; }
      .row { display: grid; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr)); gap: 12px 16px; margin-bottom: 12px; }
      select, input[type=number] { font: inherit; padding: 7px 10px; border: 1px solid var(--line); border-radius: 8px; background: #fff; color: var(--text); width: 100%; }
      select:focus, input:focus-visible, button:focus-visible { outline: 2px solid var(--accent); outline-offset: 1px; }
      input[type=range] { width: 100%; accent-color: var(--accent); }
      .hint { color: var(--muted); font-size: .8rem; font-weight: 400; }
      .check { display: flex; align-items: center; gap: 8px; font-size: .9rem; }
      .check input { accent-color: var(--accent); width: 16px; height: 16px; }
      .styles { display: grid; grid-template-columns: repeat(auto-fill, minmax(76px, 1fr)); gap: 8px; margin-bottom: 12px; max-height: 360px; overflow-y: auto; padding: 2px; }
      .style-thumb { display: flex; flex-direction: column; gap: 3px; padding: 4px; border: 2px solid transparent; border-radius: 10px; background: #f3f4f6; cursor: pointer; font: inherit; font-size: .7rem; color: var(--muted); text-align: center; }
      .style-thumb img { width: 100%; aspect-ratio: 1; object-fit: cover; border-radius: 6px; background: #e5e7eb; }
      .style-thumb span { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
      .style-thumb:hover { border-color: #c7c9f5; }
      .style-thumb[aria-pressed=true] { border-color: var(--accent); background: var(--accent-soft); color: var(--accent); font-weight: 600; }
      .actions { display: flex; gap: 10px; margin-top: 18px; }
      button.primary, button.secondary { font: inherit; font-weight: 600; padding: 10px 22px; border-radius: 10px; cursor: pointer; border: 1px solid transparent; }
      button.primary { background: var(--accent); color: #fff; }
      button.primary:disabled { background: #c7c9d9; cursor: not-allowed; }
      button.secondary { background: #fff; border-color: var(--line); color: var(--text); }
      button.secondary:hover { border-color: var(--danger); color: var(--danger); }
      #error { margin-top: 14px; padding: 10px 12px; border-radius: 8px; background: #fef3f2; color: var(--danger); border: 1px solid #fecdca; }
      #status { font-size: 1.1rem; font-weight: 600; }
      #status[data-status=succeeded] { color: var(--ok); }
      #status[data-status=failed] { color: var(--danger); }
      #progress-bar { width: 100%; height: 8px; margin: 10px 0 4px; accent-color: var(--accent); }
      #progress { color: var(--muted); font-size: .9rem; font-variant-numeric: tabular-nums; min-height: 1.4em; }
      .gatys-out { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 14px; margin-top: 14px; }
      @media (max-width: 560px) { .gatys-out { grid-template-columns: minmax(0, 1fr); } }
      .gatys-out figure { margin: 0; }
      figcaption { color: var(--muted); font-size: .8rem; margin-top: 4px; }
      #preview { width: 100%; border-radius: 10px; background: #eef0f3; min-height: 120px; object-fit: contain; }
      #loss-chart { width: 100%; height: 200px; border: 1px solid var(--line); border-radius: 10px; background: #fff; display: block; }
      .result-box { margin-top: 18px; }
      #result { display: block; max-width: 100%; border-radius: 10px; box-shadow: 0 2px 12px rgba(16, 24, 40, .12); }
      .result-meta { display: flex; align-items: center; justify-content: space-between; margin-top: 10px; color: var(--muted); }
      #download { background: var(--accent); color: #fff; text-decoration: none; padding: 8px 18px; border-radius: 10px; font-weight: 600; }
      .empty { color: var(--muted); margin: 8px 0 0; }
      footer { padding-top: 24px; padding-bottom: 32px; color: var(--muted); font-size: .85rem; }
      footer a { color: var(--accent); }
    </style>
    </head>
    <body>
    <header>
      <h1>neural-style</h1>
      <p>Paint a photo in the style of a painting — everything runs on this machine.</p>
    </header>
    <main>
      <section class="card" aria-label="Settings">
        <h2>1 · Photo</h2>
        <label id="content-drop" class="drop">
          <input type="file" id="content-file" accept="image/png,image/jpeg,image/webp">
          <img id="content-thumb" alt="The chosen photo" hidden>
          <span class="drop-text"><span>Drop a photo here or <u>choose a file</u></span>
            <span class="drop-info" id="content-info">PNG, JPEG or WebP</span></span>
        </label>

        <h2>2 · Style</h2>
        <div class="row">
          <label class="field">Method
            <select id="method">
              <option value="magenta">Magenta: 26 styles</option>
              <option value="feedforward">Trained style models</option>
              <option value="arbitrary">Any painting (one pass)</option>
              <option value="gatys">Any painting (optimisation, slow)</option>
            </select>
          </label>
          <label class="field" id="model-row">Model <select id="model"></select></label>
          <label class="field" id="style-index-row">Style <select id="style-index"></select></label>
        </div>
        <div id="styles" class="styles" role="group" aria-label="Styles"></div>
        <div id="style-row">
          <label id="style-drop" class="drop">
            <input type="file" id="style-file" accept="image/png,image/jpeg,image/webp">
            <img id="style-thumb" alt="The chosen painting" hidden>
            <span class="drop-text"><span>Drop a painting here or <u>choose a file</u></span>
              <span class="drop-info" id="style-info">PNG, JPEG or WebP</span></span>
          </label>
        </div>

        <h2>3 · Settings</h2>
        <div class="row">
          <label class="field" id="size-row">Size <input type="number" id="size" min="0" step="1">
            <span class="hint" id="size-hint">longest side in pixels</span></label>
          <label class="field" id="iterations-row">Iterations <input type="number" id="iterations" min="1" step="1"></label>
          <label class="field" id="style-weight-row">Style weight <input type="number" id="style-weight" min="0" step="any"></label>
          <label class="field" id="preview-every-row">Preview every <input type="number" id="preview-every" min="0" step="1">
            <span class="hint">iterations (0: none)</span></label>
          <label class="field" id="strength-row" for="strength">Strength <output id="strength-value">1.00</output>
            <input type="range" id="strength" min="0" max="1" step="0.05" value="1"></label>
          <label class="field" id="alpha-row" for="alpha">Style amount (alpha) <output id="alpha-value">1.00</output>
            <input type="range" id="alpha" min="0" max="1" step="0.05" value="1"></label>
        </div>
        <label class="check"><input type="checkbox" id="preserve-colors"> Keep the photo's colours</label>

        <div class="actions">
          <button type="button" id="go" class="primary" disabled>Paint</button>
          <button type="button" id="cancel" class="secondary" hidden disabled>Cancel</button>
        </div>
        <div id="error" role="alert" hidden></div>
      </section>

      <section class="card" aria-label="Result" aria-live="polite">
        <div id="status">No painting yet.</div>
        <progress id="progress-bar" max="1" value="0" hidden></progress>
        <div id="progress" data-updates="0"></div>
        <div id="gatys-out" class="gatys-out" hidden>
          <figure><img id="preview" alt="The latest preview" hidden><figcaption id="preview-caption">The preview appears here.</figcaption></figure>
          <figure><canvas id="loss-chart" aria-label="Loss per iteration (log scale)"></canvas><figcaption>Total loss per iteration (log scale)</figcaption></figure>
        </div>
        <div id="result-box" class="result-box" hidden>
          <img id="result" alt="The painted photo">
          <div class="result-meta"><span id="result-size"></span><a id="download" download="painted.png" href="#">Download</a></div>
        </div>
        <p class="empty" id="empty-hint">Choose a photo and a style, then press Paint.</p>
      </section>
    </main>
    <footer><a href="/openapi.json">API</a> · neural-style serve</footer>
    <script>
    'use strict';
    const token = new URLSearchParams(location.search).get('token');
    const $ = (id) => document.getElementById(id);
    const state = {
      models: [], gatys: {}, content: null, style: null, styleIndex: 0,
      job: null, source: null, starting: false, updates: 0, losses: new Map(), iterations: 0, check: null,
    };
    const uploadSeq = { content: 0, style: 0 };

    function withToken(url) {
      if (!token) return url;
      return url + (url.includes('?') ? '&' : '?') + 'token=' + encodeURIComponent(token);
    }

    async function api(path, options = {}) {
      const headers = new Headers(options.headers || {});
      if (token) headers.set('Authorization', 'Bearer ' + token);
      const response = await fetch(path, { ...options, headers });
      let body = null;
      try { body = await response.json(); } catch { body = null; }
      if (!response.ok) {
        const message = body && body.error && body.error.message;
        throw new Error(message || `HTTP ${response.status} ${response.statusText}`.trim());
      }
      return body;
    }

    function showError(message) {
      $('error').textContent = message || '';
      $('error').hidden = !message;
    }

    function show(id, visible) { $(id).hidden = !visible; }

    // ---- models and method ----

    const magentaModel = () => state.models.find((m) => m.name === 'magenta-26');

    function modelsFor(method) {
      if (method === 'feedforward') return state.models.filter((m) => m.kind === 'transformer' || m.kind === 'multi-style');
      if (method === 'arbitrary') return state.models.filter((m) => m.takesStyleImage);
      return [];
    }

    function currentModel() {
      const method = $('method').value;
      if (method === 'magenta') return magentaModel() || null;
      if (method === 'gatys') return null;
      return state.models.find((m) => m.name === $('model').value) || null;
    }

    function fillSelect(select, items) {
      select.replaceChildren(...items.map(([value, text]) => new Option(text, value)));
    }

    async function loadModels() {
      try {
        const data = await api('/api/models');
        state.models = data.models || [];
        state.gatys = data.gatys || {};
      } catch (error) {
        showError('Could not load the models: ' + error.message);
      }
      const method = $('method');
      for (const option of method.options) {
        const available = option.value === 'gatys' ||
          (option.value === 'magenta' ? Boolean(magentaModel()) : modelsFor(option.value).length > 0);
        option.hidden = !available;
      }
      const first = [...method.options].find((option) => !option.hidden);
      if (first) method.value = first.value;
      const g = state.gatys;
      $('iterations').value = g.iterations ?? 300;
      $('style-weight').value = g.styleWeight ?? 100;
      $('preview-every').value = g.previewEvery ?? 10;
      buildStyleGrid();
      onMethodChange();
    }

    function onMethodChange() {
      const models = modelsFor($('method').value);
      fillSelect($('model'), models.map((m) => [m.name, m.kind === 'multi-style' ? `${m.name} (${m.styles.length} styles)` : m.name]));
      onModelChange();
    }

    function onModelChange() {
      const model = currentModel();
      if (model && model.kind === 'multi-style') {
        fillSelect($('style-index'), model.styles.map((name, k) => [String(k), name || `style ${k}`]));
      }
      const method = $('method').value;
      $('size').value = method === 'gatys' ? (state.gatys.size ?? 512) : (model && model.defaults ? model.defaults.size ?? 0 : 0);
      updateControls();
    }

    function updateControls() {
      const method = $('method').value;
      const kind = currentModel() ? currentModel().kind : null;
      show('model-row', method === 'feedforward' || method === 'arbitrary');
      show('style-index-row', kind === 'multi-style');
      show('styles', method === 'magenta');
      show('style-row', method === 'arbitrary' || method === 'gatys');
      show('strength-row', kind === 'magenta-arbitrary');
      show('alpha-row', kind === 'adain');
      for (const id of ['iterations-row', 'style-weight-row', 'preview-every-row']) show(id, method === 'gatys');
      $('size-hint').textContent = method === 'gatys' ? 'longest side in pixels' : 'longest side in pixels (0: the photo\u2019s own)';
      updateGo();
    }

    function buildStyleGrid() {
      const grid = $('styles');
      grid.replaceChildren();
      const model = magentaModel();
      if (!model) return;
      const count = model.styles.length || 26;
      for (let k = 0; k < count; k++) {
        const name = model.styles[k] || `style ${k}`;
        const button = document.createElement('button');
        button.type = 'button';
        button.className = 'style-thumb';
        button.dataset.index = String(k);
        button.title = name;
        button.setAttribute('aria-pressed', String(k === state.styleIndex));
        const img = document.createElement('img');
        img.alt = '';
        img.dataset.src = withToken(`/api/models/${encodeURIComponent(model.name)}/styles/${k}/thumbnail`);
        const caption = document.createElement('span');
        caption.textContent = name;
        button.append(img, caption);
        button.addEventListener('click', () => selectStyle(k));
        grid.append(button);
      }
      loadThumbnails([...grid.querySelectorAll('img[data-src]')]);
    }

    // One thumbnail at a time: the server paints each on first use, and parallel requests would
    // hold the browser's few connections per host that jobs and their event streams need.
    function loadThumbnails(images) {
      const next = images.shift();
      if (!next) return;
      const go = () => loadThumbnails(images);
      next.addEventListener('load', go, { once: true });
      next.addEventListener('error', go, { once: true });
      next.src = next.dataset.src;
    }

    function selectStyle(index) {
      state.styleIndex = index;
      for (const button of $('styles').querySelectorAll('.style-thumb')) {
        button.setAttribute('aria-pressed', String(Number(button.dataset.index) === index));
      }
    }

    // ---- uploads ----

    function setupDrop(kind) {
      const drop = $(kind + '-drop');
      const input = $(kind + '-file');
      input.addEventListener('change', () => { if (input.files[0]) chooseFile(kind, input.files[0]); });
      drop.addEventListener('dragover', (event) => { event.preventDefault(); drop.classList.add('over'); });
      drop.addEventListener('dragleave', () => drop.classList.remove('over'));
      drop.addEventListener('drop', (event) => {
        event.preventDefault();
        drop.classList.remove('over');
        const file = event.dataTransfer.files[0];
        if (file) chooseFile(kind, file);
      });
    }

    function formatBytes(bytes) {
      if (bytes >= 1e6) return (bytes / 1e6).toFixed(1) + ' MB';
      return Math.max(1, Math.round(bytes / 1e3)) + ' kB';
    }

    async function chooseFile(kind, file) {
      showError('');
      const seq = ++uploadSeq[kind];
      state[kind] = null;
      updateGo();
      const thumb = $(kind + '-thumb');
      if (thumb.src.startsWith('blob:')) URL.revokeObjectURL(thumb.src);
      thumb.src = URL.createObjectURL(file);
      thumb.hidden = false;
      const info = $(kind + '-info');
      info.textContent = `${file.name} · uploading…`;
      try {
        const upload = await api('/api/uploads', {
          method: 'POST', body: file, headers: { 'Content-Type': file.type || 'application/octet-stream' },
        });
        if (seq !== uploadSeq[kind]) return;
        state[kind] = upload.id;
        info.textContent = `${file.name} · ${upload.width}×${upload.height} · ${formatBytes(upload.bytes)}`;
      } catch (error) {
        if (seq !== uploadSeq[kind]) return;
        info.textContent = `${file.name} · upload failed`;
        showError(error.message);
      }
      updateGo();
    }

    // ---- jobs ----

    const isActive = (job) => Boolean(job) && (job.status === 'queued' || job.status === 'running');
    const needsStyleImage = () => ['arbitrary', 'gatys'].includes($('method').value);

    function updateGo() {
      const method = $('method').value;
      const modelReady = method === 'gatys' || Boolean(currentModel());
      const ready = Boolean(state.content) && (!needsStyleImage() || Boolean(state.style)) && modelReady;
      $('go').disabled = !ready || state.starting || isActive(state.job);
    }

    function setNumber(body, key, id) {
      const value = $(id).value.trim();
      if (value !== '' && !Number.isNaN(Number(value))) body[key] = Number(value);
    }

    function jobRequest() {
      const method = $('method').value;
      const body = { content: state.content, preserveColors: $('preserve-colors').checked };
      setNumber(body, 'size', 'size');
      if (method === 'gatys') {
        Object.assign(body, { method: 'gatys', style: state.style });
        setNumber(body, 'iterations', 'iterations');
        setNumber(body, 'styleWeight', 'style-weight');
        setNumber(body, 'previewEvery', 'preview-every');
        return body;
      }
      const model = currentModel();
      Object.assign(body, { method: 'stylize', model: model.name });
      if (method === 'magenta') body.styleIndex = state.styleIndex;
      if (model.kind === 'multi-style') body.styleIndex = Number($('style-index').value || 0);
      if (model.takesStyleImage) body.style = state.style;
      if (model.kind === 'magenta-arbitrary') body.strength = Number($('strength').value);
      if (model.kind === 'adain') body.alpha = Number($('alpha').value);
      return body;
    }

    function resetOutput(method) {
      state.updates = 0;
      state.losses = new Map();
      state.iterations = 0;
      $('progress').dataset.updates = '0';
      $('progress').textContent = '';
      $('preview').hidden = true;
      $('preview').removeAttribute('src');
      $('preview-caption').textContent = 'The preview appears here.';
      $('result-box').hidden = true;
      $('empty-hint').hidden = true;
      show('gatys-out', method === 'gatys');
      drawChart();
    }

    async function startJob() {
      showError('');
      const request = jobRequest();
      state.starting = true;
      updateGo();
      try {
        const job = await api('/api/jobs', {
          method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(request),
        });
        resetOutput(job.method);
        follow(job);
      } catch (error) {
        showError(error.message);
      } finally {
        state.starting = false;
        updateGo();
      }
    }

    function follow(job) {
      if (state.source) { state.source.close(); state.source = null; }
      clearInterval(state.check);
      state.job = job;
      renderJob(job);
      if (!isActive(job)) return;
      // The event stream carries everything; this slow look catches an end it failed to deliver.
      state.check = setInterval(async () => {
        if (!state.job || state.job.id !== job.id || !isActive(state.job)) { clearInterval(state.check); return; }
        try {
          const now = await api(`/api/jobs/${job.id}`);
          if (!isActive(now)) renderJob(now);
        } catch (error) { /* the stream, or the next look, will tell */ }
      }, 3000);
      const source = new EventSource(withToken(`/api/jobs/${job.id}/events`));
      state.source = source;
      const on = (name, handler) => source.addEventListener(name, (event) => {
        if (state.source === source) handler(JSON.parse(event.data));
      });
      on('job', renderJob);
      on('progress', onProgress);
      on('preview', (data) => showPreview(data.url, data.iteration));
      on('end', renderJob);
      source.addEventListener('error', () => {
        if (state.source === source && source.readyState === EventSource.CLOSED) recover(job.id);
      });
    }

    async function recover(id) {
      try {
        const job = await api(`/api/jobs/${id}`);
        if (isActive(job)) setTimeout(() => { if (state.job && state.job.id === id) follow(job); }, 2000);
        else renderJob(job);
      } catch (error) {
        showError(error.message);
      }
    }

    function statusText(job) {
      switch (job.status) {
        case 'queued': return job.position ? `queued (position ${job.position})` : 'queued';
        case 'running': return 'running';
        case 'succeeded': return 'done';
        case 'failed': return `failed: ${job.error || 'unknown error'}`;
        case 'cancelled': return 'cancelled';
        default: return job.status;
      }
    }

    function renderJob(job) {
      if (!state.job || job.id !== state.job.id) return;
      state.job = job;
      $('status').textContent = statusText(job);
      $('status').dataset.status = job.status;
      const active = isActive(job);
      $('cancel').hidden = !active;
      $('cancel').disabled = !active;
      for (const [iteration, total] of job.losses || []) state.losses.set(iteration, total);
      if (job.progress) renderProgress(job.progress);
      renderBar(job);
      if (job.method === 'gatys' && job.previewIteration != null && $('preview').hidden) {
        showPreview(`/api/jobs/${job.id}/preview?iteration=${job.previewIteration}`, job.previewIteration);
      }
      if (job.method === 'gatys') drawChart();
      if (job.status === 'succeeded') showResult(job);
      if (!active && state.source) { state.source.close(); state.source = null; }
      updateGo();
    }

    function renderBar(job) {
      const bar = $('progress-bar');
      bar.hidden = job.status === 'cancelled' || job.status === 'failed';
      if (job.status === 'succeeded') { bar.max = 1; bar.value = 1; }
      else if (job.progress && job.progress.iterations > 0) { bar.max = job.progress.iterations; bar.value = job.progress.iteration; }
      else if (job.status === 'running' && !state.iterations) bar.removeAttribute('value');
      else if (job.status === 'queued') { bar.max = 1; bar.value = 0; }
    }

    function onProgress(progress) {
      state.updates += 1;
      $('progress').dataset.updates = String(state.updates);
      if (Number.isFinite(progress.total)) state.losses.set(progress.iteration, progress.total);
      renderProgress(progress);
      if (progress.iterations > 0) { $('progress-bar').max = progress.iterations; $('progress-bar').value = progress.iteration; }
      drawChart();
    }

    function formatLoss(x) {
      if (!Number.isFinite(x)) return String(x);
      const [mantissa, exponent] = x.toExponential(2).split('e');
      const power = Number(exponent);
      return `${mantissa}e${power < 0 ? '-' : '+'}${String(Math.abs(power)).padStart(2, '0')}`;
    }

    function formatEta(seconds) {
      if (seconds == null || !Number.isFinite(seconds)) return '';
      if (seconds < 120) return `about ${Math.max(0, Math.round(seconds))} s left`;
      return `about ${Math.round(seconds / 60)} min left`;
    }

    function renderProgress(p) {
      state.iterations = p.iterations || state.iterations;
      const parts = [`iteration ${p.iteration} / ${p.iterations}`];
      if (p.total != null) parts.push(`loss ${formatLoss(p.total)}`);
      const eta = formatEta(p.etaSeconds);
      if (eta && state.job && state.job.status !== 'succeeded') parts.push(eta);
      $('progress').textContent = parts.join(' · ');
    }

    function showPreview(url, iteration) {
      const img = $('preview');
      img.src = withToken(url + (url.includes('?') ? '&' : '?') + 't=' + Date.now());
      img.hidden = false;
      $('preview-caption').textContent = iteration != null ? `Preview at iteration ${iteration}` : 'Preview';
    }

    function showResult(job) {
      const url = withToken(job.result || `/api/jobs/${job.id}/result`);
      $('result').src = url;
      $('download').href = url;
      $('result-size').textContent = job.width && job.height ? `${job.width}×${job.height}` : '';
      $('result-box').hidden = false;
    }

    async function cancelJob() {
      const job = state.job;
      if (!isActive(job)) return;
      $('cancel').disabled = true;
      try {
        renderJob(await api(`/api/jobs/${job.id}`, { method: 'DELETE' }));
      } catch (error) {
        showError(error.message);
        $('cancel').disabled = false;
      }
    }

    // ---- loss chart ----

    function drawChart() {
      const canvas = $('loss-chart');
      const ratio = window.devicePixelRatio || 1;
      const width = canvas.clientWidth || 480;
      const height = canvas.clientHeight || 200;
      canvas.width = Math.round(width * ratio);
      canvas.height = Math.round(height * ratio);
      const ctx = canvas.getContext('2d');
      ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
      ctx.clearRect(0, 0, width, height);
      ctx.font = '11px system-ui, sans-serif';
      ctx.fillStyle = '#6b7280';
      const points = [...state.losses].filter(([, total]) => total > 0 && Number.isFinite(total)).sort((a, b) => a[0] - b[0]);
      const pad = { left: 50, right: 12, top: 12, bottom: 22 };
      if (points.length === 0) { ctx.fillText('The loss curve appears here.', pad.left, height / 2); return; }
      const xMax = Math.max(state.iterations, points[points.length - 1][0], 1);
      const logs = points.map(([, total]) => Math.log10(total));
      let yMin = Math.floor(Math.min(...logs));
      let yMax = Math.ceil(Math.max(...logs));
      if (yMax === yMin) yMax = yMin + 1;
      const x = (iteration) => pad.left + (iteration / xMax) * (width - pad.left - pad.right);
      const y = (log) => pad.top + (1 - (log - yMin) / (yMax - yMin)) * (height - pad.top - pad.bottom);
      ctx.strokeStyle = '#e5e7eb';
      ctx.lineWidth = 1;
      const step = Math.max(1, Math.ceil((yMax - yMin) / 5));
      for (let decade = yMin; decade <= yMax; decade += step) {
        ctx.beginPath(); ctx.moveTo(pad.left, y(decade)); ctx.lineTo(width - pad.right, y(decade)); ctx.stroke();
        ctx.fillText(formatLoss(10 ** decade).replace('1.00e', '1e'), 4, y(decade) + 4);
      }
      ctx.fillText('0', pad.left, height - 6);
      const last = String(xMax);
      ctx.fillText(last, width - pad.right - ctx.measureText(last).width, height - 6);
      ctx.strokeStyle = '#4f46e5';
      ctx.lineWidth = 2;
      ctx.beginPath();
      points.forEach(([iteration], i) => {
        if (i === 0) ctx.moveTo(x(iteration), y(logs[i]));
        else ctx.lineTo(x(iteration), y(logs[i]));
      });
      ctx.stroke();
      const [lastIteration] = points[points.length - 1];
      ctx.fillStyle = '#4f46e5';
      ctx.beginPath(); ctx.arc(x(lastIteration), y(logs[logs.length - 1]), 3, 0, 2 * Math.PI); ctx.fill();
    }

    // ---- wiring ----

    setupDrop('content');
    setupDrop('style');
    $('method').addEventListener('change', onMethodChange);
    $('model').addEventListener('change', onModelChange);
    $('go').addEventListener('click', startJob);
    $('cancel').addEventListener('click', cancelJob);
    for (const id of ['strength', 'alpha']) {
      $(id).addEventListener('input', () => { $(id + '-value').textContent = Number($(id).value).toFixed(2); });
    }
    window.addEventListener('resize', () => { if (!$('gatys-out').hidden) drawChart(); });
    updateControls();
    loadModels();
    </script>
    </body>
    </html>
    """#
}
