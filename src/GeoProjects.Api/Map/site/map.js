// The GeoProjects web map: OpenLayers over our vector tiles (/tiles/...), with the same filter model as GraphQL.
// The filter state lives in the URL, so a view can be shared.
(async function () {
  'use strict';

  // Colours are the map's own; labels, values and the popup's fields come from the server's field registry (config.json).
  const SECTOR_COLORS = {
    ADVANCED_MANUFACTURING: '#1f77b4', HIGH_END_CHEMICALS: '#d62728', MARINE_ECONOMY: '#17becf', CULTURE_TOURISM: '#9467bd',
    NEW_ENERGY_MATERIALS: '#2ca02c', MODERN_SERVICES: '#ff7f0e', INFRASTRUCTURE: '#7f7f7f', PUBLIC_SERVICES: '#e377c2', DIGITAL_ECONOMY: '#bcbd22',
  };
  const config = await (await fetch('/map/config.json')).json();
  const fieldInfo = Object.fromEntries(config.fields.map(f => [f.name, f]));
  const split = label => { const [zh, en] = label.split(' · '); return { zh, en: en ?? '' }; };
  const SECTORS = Object.entries(fieldInfo.sector.values).map(([key, label]) => [key, split(label).zh, split(label).en, SECTOR_COLORS[key] ?? '#555']);
  const STATUSES = Object.entries(fieldInfo.status.values).map(([key, label]) => [key, split(label).zh, split(label).en]);
  const sectorInfo = Object.fromEntries(SECTORS.map(([key, zh, en, color]) => [key, { zh, en, color }]));
  // The measure (the registry's summed field): filtered by range, sized on the map, summed in the charts and clusters.
  const MEASURE = config.measure.field;
  const MEASURE_TILE = config.measure.tile;

  // Signed in, the map asks with the caller's bearer token and shows what the caller may see (the reserve list, progress).
  // The token stays in this tab (sessionStorage), never in the URL, so a shared link never carries it.
  const token = sessionStorage.getItem('geoprojects.token') || '';
  const authorized = (headers = {}) => (token ? { ...headers, Authorization: 'Bearer ' + token } : headers);
  const authFetch = (url, init = {}) => fetch(url, { ...init, headers: authorized(init.headers) });

  async function graphql(query, variables) {
    const response = await authFetch('/graphql', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Accept': 'application/graphql-response+json' },
      body: JSON.stringify({ query, variables }),
    });
    const body = await response.json();
    if (body.errors) throw new Error(body.errors.map(e => e.message).join('; '));
    return body.data;
  }
  const signedIn = token !== '';

  // ---- filter state <-> URL <-> ProjectFilterInput ----
  function readState() {
    const p = new URLSearchParams(location.search);
    const list = name => (p.get(name) || '').split(',').filter(Boolean);
    return { sectors: list('sectors'), statuses: list('status'), min: p.get('min') || '', max: p.get('max') || '', zone: p.get('zone') || '' };
  }
  function writeState(s) {
    const p = new URLSearchParams();
    if (s.sectors.length) p.set('sectors', s.sectors.join(','));
    if (s.statuses.length) p.set('status', s.statuses.join(','));
    if (s.min !== '') p.set('min', s.min);
    if (s.max !== '') p.set('max', s.max);
    if (s.zone) p.set('zone', s.zone);
    history.replaceState(null, '', p.toString() ? '?' + p : location.pathname);
  }
  function where(s) {
    const w = {};
    if (s.sectors.length) w.sector = { in: s.sectors };
    if (s.statuses.length) w.status = { in: s.statuses };
    const investment = {};
    if (s.min !== '') investment.gte = Number(s.min);
    if (s.max !== '') investment.lte = Number(s.max);
    if (Object.keys(investment).length) w[MEASURE] = investment;
    if (s.zone) w.zone = { code: { eq: s.zone } };
    return Object.keys(w).length ? w : null;
  }
  function tileUrl(layer, w) {
    const q = new URLSearchParams();
    if (w) q.set('where', JSON.stringify(w));
    if (config.crs !== 'WGS84') q.set('crs', config.crs);
    return `/tiles/${layer}/{z}/{x}/{y}.mvt` + (q.toString() ? '?' + q : '');
  }

  // ---- panel ----
  const sectorBox = document.getElementById('sectors');
  for (const [key, zh, en, color] of SECTORS) {
    sectorBox.insertAdjacentHTML('beforeend', `<label><input type="checkbox" name="sector" value="${key}"><span class="swatch" style="background:${color}"></span>${zh} <small>${en}</small></label><br>`);
    document.getElementById('legend-sectors').insertAdjacentHTML('beforeend', `<li><span class="swatch" style="background:${color}"></span>${zh} · ${en}</li>`);
  }
  const statusBox = document.getElementById('statuses');
  for (const [key, zh, en] of STATUSES)
    statusBox.insertAdjacentHTML('beforeend', `<label><input type="checkbox" name="status" value="${key}">${zh} <small>${en}</small></label>`);
  const zoneSelect = document.getElementById('zone');
  const { zones } = await graphql('{ zones(order: [{ areaKm2: DESC }]) { code name nameEn } }');
  for (const z of zones) zoneSelect.insertAdjacentHTML('beforeend', `<option value="${z.code}">${z.name} · ${z.nameEn}</option>`);

  function showState(s) {
    for (const box of document.querySelectorAll('input[name=sector]')) box.checked = s.sectors.includes(box.value);
    for (const box of document.querySelectorAll('input[name=status]')) box.checked = s.statuses.includes(box.value);
    document.getElementById('min').value = s.min;
    document.getElementById('max').value = s.max;
    zoneSelect.value = s.zone;
  }
  function stateFromForm() {
    return {
      sectors: [...document.querySelectorAll('input[name=sector]:checked')].map(b => b.value),
      statuses: [...document.querySelectorAll('input[name=status]:checked')].map(b => b.value),
      min: document.getElementById('min').value, max: document.getElementById('max').value, zone: zoneSelect.value,
    };
  }

  // ---- map ----
  const crsQuery = config.crs !== 'WGS84' ? `?crs=${config.crs}` : '';
  const styleCache = {};
  function projectStyle(feature) {
    if (feature.get('layer') === 'clusters') {
      const count = feature.get('count');
      const key = 'c' + count;
      return styleCache[key] ??= new ol.style.Style({
        image: new ol.style.Circle({ radius: 9 + 4 * Math.sqrt(count), fill: new ol.style.Fill({ color: 'rgba(31,119,180,0.55)' }), stroke: new ol.style.Stroke({ color: '#fff', width: 2 }) }),
        text: new ol.style.Text({ text: String(count), font: 'bold 12px sans-serif', fill: new ol.style.Fill({ color: '#fff' }) }),
      });
    }
    const sector = sectorInfo[feature.get('sector')] || { color: '#555' };
    const radius = Math.round(4 + 3 * Math.sqrt(feature.get(MEASURE_TILE) || 0));
    const key = feature.get('sector') + radius;
    return styleCache[key] ??= new ol.style.Style({
      image: new ol.style.Circle({ radius, fill: new ol.style.Fill({ color: sector.color + 'cc' }), stroke: new ol.style.Stroke({ color: '#fff', width: 1.5 }) }),
    });
  }
  const zoneStyle = feature => new ol.style.Style({
    stroke: new ol.style.Stroke({ color: feature.get('kind') === 'DISTRICT' ? '#57606a' : '#0969da', width: feature.get('kind') === 'DISTRICT' ? 2 : 1.2, lineDash: feature.get('kind') === 'DISTRICT' ? undefined : [6, 4] }),
    fill: new ol.style.Fill({ color: feature.get('kind') === 'DISTRICT' ? 'rgba(255,255,255,0.4)' : 'rgba(9,105,218,0.05)' }),
  });
  // Zone names get a layer of their own above the projects, so clusters never cover them; they declutter among themselves.
  const zoneLabelStyle = feature => feature.get('kind') === 'DISTRICT' ? null : new ol.style.Style({
    text: new ol.style.Text({
      text: `${feature.get('name')}\n${feature.get('nameEn')}`, font: '12px "WenQuanYi Zen Hei", "Noto Sans CJK SC", sans-serif',
      fill: new ol.style.Fill({ color: '#0b3d91' }), stroke: new ol.style.Stroke({ color: '#fff', width: 3 }), overflow: true,
    }),
  });

  const layers = [];
  if (config.basemap) layers.push(new ol.layer.Tile({ source: new ol.source.XYZ({ url: config.basemap.url, attributions: config.basemap.attribution }) }));
  const zonesSource = new ol.source.Vector({ url: '/geojson/zones' + crsQuery, format: new ol.format.GeoJSON() });
  layers.push(new ol.layer.Vector({ source: zonesSource, style: zoneStyle }));
  let state = readState();
  const projectsSource = new ol.source.VectorTile({
    format: new ol.format.MVT(), url: tileUrl('projects', where(state)), maxZoom: 16,
    // Tiles are fetched with the token too (OpenLayers' own loader sends no headers).
    tileLoadFunction: (tile, url) => tile.setLoader(async (extent, resolution, projection) => {
      try {
        const response = await authFetch(url);
        if (!response.ok) throw new Error(`tile ${response.status}`);
        tile.setFeatures(tile.getFormat().readFeatures(await response.arrayBuffer(), { extent, featureProjection: projection }));
      } catch {
        tile.setState(3); // ol TileState.ERROR
      }
    }),
  });
  // Live edits are drawn in place: a changed project's tile feature is hidden (superseded) and its new state drawn from
  // liveSource, so an edit reloads no tile. Both are emptied whenever the tiles are fetched afresh.
  const superseded = new Set();
  const liveSource = new ol.source.Vector();
  const projectsLayer = new ol.layer.VectorTile({
    source: projectsSource, declutter: false,
    style: (feature, resolution) => (superseded.has(feature.getId()) ? null : projectStyle(feature, resolution)),
  });
  const liveLayer = new ol.layer.Vector({ source: liveSource, style: projectStyle });
  // The features of the tiles loaded for the current filter, by tile, so tests and the console can ask what is shown.
  let loadedTiles = new Map();
  projectsSource.on('tileloadend', e => loadedTiles.set(e.tile.getTileCoord().join('/'), e.tile.getFeatures()));
  layers.push(projectsLayer, liveLayer);
  const zoneLabels = new ol.layer.Vector({ source: zonesSource, style: zoneLabelStyle, declutter: true, properties: { name: 'zone-labels' } });
  layers.push(zoneLabels);

  const popup = new ol.Overlay({ element: document.getElementById('popup'), positioning: 'bottom-center', offset: [0, -12], autoPan: { animation: { duration: 0 }, margin: 20 } });
  const map = new ol.Map({
    target: 'map', layers, overlays: [popup],
    view: new ol.View({ center: ol.proj.fromLonLat(config.center), zoom: config.zoom, maxZoom: 18 }),
  });

  // ---- stats (GraphQL projectStats with the same filter), as a table and as charts (ECharts, served offline) ----
  const chartFont = '"WenQuanYi Zen Hei", "Noto Sans CJK SC", sans-serif';
  const charts = {};
  function chart(id, option) {
    const element = document.getElementById(id);
    element.hidden = false;
    charts[id] ??= echarts.init(element, null, { renderer: 'svg' });
    charts[id].setOption({ textStyle: { fontFamily: chartFont }, animation: false, ...option }, true);
  }
  const bars = (title, labels, values, colors) => ({
    title: { text: title, textStyle: { fontSize: 13 } }, grid: { left: 90, right: 12, top: 28, bottom: 20 }, tooltip: {},
    xAxis: { type: 'value' }, yAxis: { type: 'category', data: labels, inverse: true, axisLabel: { width: 80, overflow: 'truncate' } },
    series: [{ type: 'bar', data: values.map((v, i) => ({ value: v, itemStyle: colors ? { color: colors[i] } : undefined })) }],
  });
  async function loadStats(w) {
    const data = await graphql(`query($where: ProjectFilterInput) {
      bySector: projectStats(where: $where, groupBy: [SECTOR]) { sector count ${MEASURE} }
      byZone: projectStats(where: $where, groupBy: [ZONE]) { zone { name } count ${MEASURE} }
      total: projectStats(where: $where) { count ${MEASURE} } }`, { where: w });
    chart('chart-sector', bars('投资 · 行业 (亿元) · Investment by sector', data.bySector.map(g => sectorInfo[g.sector]?.zh ?? g.sector),
      data.bySector.map(g => Number(g[MEASURE])), data.bySector.map(g => sectorInfo[g.sector]?.color ?? '#555')));
    chart('chart-zone', bars('投资 · 功能区 (亿元) · Investment by zone', data.byZone.map(g => g.zone?.name ?? '区外 · outside'),
      data.byZone.map(g => Number(g[MEASURE]))));
    if (signedIn) await loadProgressCharts(w);
    const body = document.querySelector('#stats tbody');
    body.innerHTML = data.bySector.map(g => `<tr data-sector="${g.sector}"><td><span class="swatch" style="background:${sectorInfo[g.sector]?.color}"></span>${sectorInfo[g.sector]?.zh ?? g.sector} <small>${sectorInfo[g.sector]?.en ?? ''}</small></td><td class="num">${g.count}</td><td class="num">${Number(g[MEASURE]).toFixed(2)}</td></tr>`).join('');
    const t = data.total[0];
    document.querySelector('#stats tfoot').innerHTML = `<tr><td>合计 · Total</td><td class="num" id="total-count">${t.count}</td><td class="num" id="total-investment">${Number(t[MEASURE]).toFixed(2)}</td></tr>`;
  }

  // Progress and warnings are staff figures: charted for a signed-in caller (the server refuses them to the public).
  async function loadProgressCharts(w) {
    const warning = level => ({ ...(w ?? {}), warningLevel: { eq: level } });
    try {
      const data = await graphql(`query($where: ProjectFilterInput, $red: ProjectFilterInput, $yellow: ProjectFilterInput) {
        trend: projectStats(where: $where, groupBy: [PERIOD]) { period completedInvestment annualPlannedInvestment }
        red: projects(where: $red) { totalCount } yellow: projects(where: $yellow) { totalCount } }`,
        { where: w, red: warning('RED'), yellow: warning('YELLOW') });
      const months = data.trend.slice(-24);
      chart('chart-trend', {
        title: { text: '月度进度 (亿元) · Monthly progress', textStyle: { fontSize: 13 } }, tooltip: { trigger: 'axis' },
        legend: { top: 18, textStyle: { fontSize: 11 } }, grid: { left: 44, right: 12, top: 48, bottom: 24 },
        xAxis: { type: 'category', data: months.map(m => m.period) }, yAxis: { type: 'value' },
        series: [
          { name: '累计完成 · Completed', type: 'line', data: months.map(m => Number(m.completedInvestment ?? 0)) },
          { name: '年度计划 · Planned', type: 'line', data: months.map(m => Number(m.annualPlannedInvestment ?? 0)) },
        ],
      });
      chart('chart-warnings', bars('预警 · Warnings', ['红 · RED', '黄 · YELLOW'], [data.red.totalCount, data.yellow.totalCount],
        ['#d62728', '#e6b800']));
    } catch (e) {
      document.getElementById('chart-trend').hidden = true;
      document.getElementById('chart-warnings').hidden = true;
    }
  }

  function apply(s) {
    state = s;
    writeState(s);
    loadedTiles = new Map();
    superseded.clear();
    liveSource.clear();
    projectsSource.setUrl(tileUrl('projects', where(s)));
    popup.setPosition(undefined);
    document.getElementById('popup').classList.remove('open');
    return loadStats(where(s));
  }
  document.getElementById('filters').addEventListener('submit', e => { e.preventDefault(); apply(stateFromForm()); });
  document.getElementById('reset').addEventListener('click', () => { const empty = { sectors: [], statuses: [], min: '', max: '', zone: '' }; showState(empty); apply(empty); });

  // ---- popup ----
  const escapeHtml = s => String(s ?? '').replace(/[&<>"]/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
  // The popup shows every property the GeoJSON layer carries, labelled as the registry describes it.
  const SPECIAL = ['name', 'nameEn', 'dataSource', 'sourceNote'];
  // Compact: Chinese labels and enum names, the English in a tooltip.
  function shown(name, value) {
    if (value === null || value === undefined || value === '') return '—';
    const label = fieldInfo[name]?.values?.[value];
    return label ? `<span title="${escapeHtml(split(label).en)}">${escapeHtml(split(label).zh)}</span>` : escapeHtml(value);
  }
  async function showProject(id, coordinate) {
    const where = JSON.stringify({ id: { eq: btoa('Project:' + id) } });
    const collection = await (await authFetch('/geojson/projects?limit=1&where=' + encodeURIComponent(where))).json();
    const p = collection.features?.[0]?.properties;
    if (!p) return;
    const rows = config.fields.filter(f => !SPECIAL.includes(f.name) && f.name in p)
      .map(f => `<dt title="${escapeHtml(split(f.label).en)}">${escapeHtml(split(f.label).zh)}</dt><dd>${shown(f.name, p[f.name])}</dd>`).join('');
    document.getElementById('popup-content').innerHTML = `
      <h3>${escapeHtml(p.name)}</h3><div><small>${escapeHtml(p.nameEn)}</small></div>
      <span class="badge ${p.dataSource === 'PUBLISHED' ? 'published' : ''}">${escapeHtml(fieldInfo.dataSource.values[p.dataSource] ?? p.dataSource)}</span>
      <dl>${rows}</dl>
      <p class="note">${escapeHtml(p.sourceNote)}</p>
      ${signedIn ? '<button type="button" id="edit-project">编辑 · Edit</button>' : ''}`;
    document.getElementById('edit-project')?.addEventListener('click', () => editProject(id));
    // Shown before it is placed: autoPan measures the element, and a hidden one has no size to keep in view.
    document.getElementById('popup').classList.add('open');
    popup.setPosition(coordinate);
    popup.panIntoView({ animation: { duration: 0 }, margin: 20 });
  }
  map.on('singleclick', async event => {
    const feature = map.forEachFeatureAtPixel(event.pixel, f => f, { layerFilter: l => l === projectsLayer, hitTolerance: 4 });
    if (!feature) return;
    if (feature.get('layer') === 'clusters') {
      if (feature.get('count') === 1 && feature.get('project_id')) return showProject(feature.get('project_id'), event.coordinate);
      return map.getView().animate({ center: event.coordinate, zoom: map.getView().getZoom() + 2, duration: 250 });
    }
    await showProject(feature.getId() ?? feature.get('id'), event.coordinate);
  });
  document.getElementById('popup-close').addEventListener('click', () => { popup.setPosition(undefined); document.getElementById('popup').classList.remove('open'); });

  // ---- editing (signed in): the main fields in the popup, the location by dragging; updateProject with expectedVersion ----
  const editSource = new ol.source.Vector();
  map.addLayer(new ol.layer.Vector({ source: editSource, zIndex: 10, style: new ol.style.Style({
    image: new ol.style.Circle({
      radius: 9, fill: new ol.style.Fill({ color: '#0969da' }), stroke: new ol.style.Stroke({ color: '#fff', width: 3 }),
    }),
  }) }));
  // Dragging moves a WGS84 point: offered when the map itself is WGS84 (a GCJ-02/BD-09 basemap shifts what is shown).
  if (config.crs === 'WGS84') map.addInteraction(new ol.interaction.Translate({ layers: l => l.getSource() === editSource }));
  const EDITED = `id version name ${MEASURE} status sector location { coordinates }`;
  const option = (values, selected) => Object.entries(values).map(([key, label]) =>
    `<option value="${key}" ${key === selected ? 'selected' : ''}>${escapeHtml(split(label).zh)}</option>`).join('');
  async function editProject(id) {
    const { project } = await graphql(`query($id: ID!) { project(id: $id) { ${EDITED} } }`, { id: btoa('Project:' + id) });
    editSource.clear();
    editSource.addFeature(new ol.Feature(new ol.geom.Point(ol.proj.fromLonLat(project.location.coordinates))));
    document.getElementById('popup-content').innerHTML = `
      <form id="edit-form"><h3>编辑 · Edit <small>v${project.version}</small></h3>
        <label>名称 · Name <input name="name" value="${escapeHtml(project.name)}" required maxlength="200"></label>
        <label>${escapeHtml(split(fieldInfo[MEASURE].label).zh)} <input name="${MEASURE}" type="number" min="0" step="0.01" value="${project[MEASURE]}"></label>
        <label>状态 · Status <select name="status">${option(fieldInfo.status.values, project.status)}</select></label>
        <label>行业 · Sector <select name="sector">${option(fieldInfo.sector.values, project.sector)}</select></label>
        <p class="note">${config.crs === 'WGS84' ? '拖动蓝点可移动位置 · Drag the blue point to move it.' : ''}</p>
        <div class="buttons"><button type="submit" id="save-project">保存 · Save</button></div>
        <div id="edit-result" class="note" aria-live="polite"></div></form>`;
    document.getElementById('edit-form').addEventListener('submit', async event => {
      event.preventDefault();
      const form = new FormData(event.target);
      const moved = ol.proj.toLonLat(editSource.getFeatures()[0].getGeometry().getCoordinates());
      const input = { id: project.id, expectedVersion: project.version, name: form.get('name'), [MEASURE]: Number(form.get(MEASURE)),
        status: form.get('status'), sector: form.get('sector') };
      if (Math.abs(moved[0] - project.location.coordinates[0]) > 1e-7 || Math.abs(moved[1] - project.location.coordinates[1]) > 1e-7)
        input.location = { type: 'Point', coordinates: moved.map(c => Math.round(c * 1e7) / 1e7) };
      await save(project, input);
    });
  }
  async function save(mine, input) {
    const result = document.getElementById('edit-result');
    try {
      const { updateProject } = await graphql(`mutation($input: UpdateProjectInput!) { updateProject(input: $input) {
        project { ${EDITED} } errors { __typename ... on Error { message } ... on ConcurrencyConflictError { currentVersion } } } }`, { input });
      const conflict = updateProject.errors?.find(e => e.__typename === 'ConcurrencyConflictError');
      if (conflict) return showConflict(input, conflict.currentVersion);
      if (updateProject.errors?.length) { result.textContent = updateProject.errors.map(e => e.message).join('; '); return; }
      result.textContent = `已保存 · Saved (v${updateProject.project.version})`;
      editSource.clear();
    } catch (e) {
      result.textContent = e.message; // not allowed (a viewer, another zone's editor), or the server refused it
    }
  }
  // Someone saved first: both versions side by side, the fields that differ marked; keep yours on top of theirs, or take theirs.
  async function showConflict(input, currentVersion) {
    const { project: theirs } = await graphql(`query($id: ID!) { project(id: $id) { ${EDITED} } }`, { id: input.id });
    const rows = ['name', MEASURE, 'status', 'sector'].map(f => `<tr class="${String(theirs[f]) !== String(input[f]) ? 'differs' : ''}">
      <td>${escapeHtml(split(fieldInfo[f]?.label ?? f).zh)}</td><td>${escapeHtml(input[f])}</td><td>${escapeHtml(theirs[f])}</td></tr>`).join('');
    document.getElementById('edit-result').innerHTML = `<div id="conflict">
      <strong>冲突 · Conflict:</strong> v${input.expectedVersion} → v${currentVersion}
      <table><tr><th></th><th>您的 · Yours</th><th>当前 · Current v${currentVersion}</th></tr>${rows}</table>
      <div class="buttons"><button type="button" id="keep-mine">保留我的 · Keep mine</button>
      <button type="button" id="take-theirs">采用当前 · Take current</button></div></div>`;
    document.getElementById('keep-mine').addEventListener('click', () => save(theirs, { ...input, expectedVersion: theirs.version }));
    document.getElementById('take-theirs').addEventListener('click', () => editProject(atob(input.id).split(':')[1]));
  }

  // ---- live: every change anyone commits (GraphQL, OGC, import, psql) reaches the map, statistics and charts ----
  // graphql-ws (npm, served offline) over graphql-transport-ws; the token travels in connection_init. Each subscription
  // keeps its last cursor in its variables, so a reconnect resumes there and no change is missed.
  let changesSeen = 0;
  let redraw = null;
  const touched = new Set();
  const live = graphqlWs.createClient({
    url: location.origin.replace(/^http/, 'ws') + '/graphql',
    connectionParams: signedIn ? { Authorization: 'Bearer ' + token } : {},
    retryAttempts: Infinity, shouldRetry: () => true,
  });
  const keyOf = id => Number(atob(id).split(':')[1]);
  // Where projects are drawn one by one, only the projects an edit touched are redrawn (their new state, if it still
  // matches the filter), and no tile is fetched; where tiles hold clusters, their counts change and the layer is fetched
  // afresh.
  async function redrawTouched() {
    const keys = [...touched];
    touched.clear();
    const z = projectsSource.getTileGrid().getZForResolution(map.getView().getResolution(), projectsSource.zDirection);
    const clustered = z < config.clusterBelowZoom
      || [...loadedTiles].some(([key, features]) => Number(key.split('/')[0]) === z && features.some(f => f.get('layer') === 'clusters'));
    if (clustered) {
      superseded.clear();
      liveSource.clear();
      loadedTiles = new Map();
      projectsSource.refresh();
    } else {
      const crs = config.crs !== 'WGS84' ? `(crs: ${config.crs})` : '';
      const { projects } = await graphql(`query($where: ProjectFilterInput!) { projects(where: $where, first: 100) {
        nodes { id sector ${MEASURE} location${crs} { coordinates } } } }`,
        { where: { and: [where(state) ?? {}, { id: { in: keys.map(k => btoa('Project:' + k)) } }] } });
      for (const key of keys) {
        superseded.add(key);
        const old = liveSource.getFeatureById(key);
        if (old) liveSource.removeFeature(old);
      }
      for (const p of projects.nodes.filter(p => p.location)) {
        const feature = new ol.Feature({ geometry: new ol.geom.Point(ol.proj.fromLonLat(p.location.coordinates)),
          layer: 'projects', sector: p.sector, [MEASURE_TILE]: Number(p[MEASURE]) });
        feature.setId(keyOf(p.id));
        liveSource.addFeature(feature);
      }
      projectsLayer.changed();
    }
    await loadStats(where(state));
  }
  const onChange = field => ({
    next: result => {
      changesSeen++;
      const value = result.data?.[field];
      if (value) touched.add(keyOf(typeof value === 'string' ? value : value.id));
      clearTimeout(redraw); // a burst of changes (an import) redraws once
      redraw = setTimeout(redrawTouched, 200);
    },
    error: e => console.warn('live updates', e), complete: () => {},
  });
  // Unfiltered: a project that leaves the filter must leave the map too. Deletions include leaving the caller's view.
  for (const [field, selection] of [['projectCreated', '{ id }'], ['projectUpdated', '{ id }'], ['projectDeleted', '']]) {
    const payload = { query: `subscription($after: String) { ${field}(after: $after) ${selection} }`, variables: { after: null } };
    const sink = onChange(field);
    live.subscribe(payload, { ...sink, next: result => { payload.variables.after = result.extensions?.cursor ?? null; sink.next(result); } });
  }

  showState(state);
  await loadStats(where(state));

  // For tests and the console: what the map shows now.
  // Sign in: paste a token (`GeoProjects.Api token …`, or your provider's); signing out forgets it. Either reloads the map.
  const tokenInput = document.getElementById('token');
  document.getElementById('signed-in').textContent = token ? '已登录 · Signed in' : '匿名 · Anonymous (published projects)';
  document.getElementById('sign-in').addEventListener('submit', event => {
    event.preventDefault();
    sessionStorage.setItem('geoprojects.token', tokenInput.value.trim());
    location.reload();
  });
  document.getElementById('sign-out').addEventListener('click', () => { sessionStorage.removeItem('geoprojects.token'); location.reload(); });
  window.geoprojects = {
    map, config,
    renderedProjects() {
      const view = map.getView();
      const extent = view.calculateExtent(map.getSize());
      // The zoom of the tiles OpenLayers renders at this resolution, fractional zooms included (its own zDirection).
      const z = projectsSource.getTileGrid().getZForResolution(view.getResolution(), projectsSource.zDirection);
      const tiles = [...loadedTiles].filter(([key]) => Number(key.split('/')[0]) === z).flatMap(([, features]) => features)
        .filter(f => !superseded.has(f.getId()));
      const extentOf = f => (f.getGeometry?.() ?? f).getExtent(); // a tile's RenderFeature, or a live Feature
      return [...tiles, ...liveSource.getFeatures()].filter(f => ol.extent.intersects(extentOf(f), extent))
        .map(f => ({ layer: f.get('layer'), id: f.getId() ?? f.get('id') ?? f.get('project_id'), count: f.get('count') ?? 1,
          center: ol.proj.toLonLat(ol.extent.getCenter(extentOf(f))) }));
    },
    pixelOf(lon, lat) { return map.getPixelFromCoordinate(ol.proj.fromLonLat([lon, lat])); },
    changesSeen: () => changesSeen,
    editProject,
    ready: true,
  };
})();
