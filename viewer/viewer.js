// The page of `task-agents project view`: stage counts, a grid of data units filterable by stage,
// and one unit's image or video frame with its labels drawn on a canvas. Plain browser JavaScript,
// no build step; state lives in the URL hash (#stage=UUID&offset=N or #unit=HASH&frame=N).
const $ = (id) => document.getElementById(id);
const PAGE = 48;
const VISUAL = new Set(['IMAGE', 'VIDEO', 'IMG_GROUP', 'IMG_SEQUENCE']);

let project = null;
let unit = null; // the open unit's view (from /api/units/HASH)
let drawToken = 0;

async function api(path) {
  const r = await fetch(path);
  const body = await r.json();
  if (!r.ok) throw new Error(body.error ? `${body.error.code}: ${body.error.message}` : `HTTP ${r.status}`);
  return body;
}

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v;
    else if (k === 'style') e.style.cssText = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}

function readHash() {
  return Object.fromEntries(new URLSearchParams(location.hash.slice(1)));
}

function go(params) {
  location.hash = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== undefined && v !== '')).toString();
}

// ------------------------------------------------------------------ project, stages, grid

function renderStages(active) {
  const nav = $('stages');
  nav.replaceChildren();
  const button = (label, count, stage) =>
    el(
      'button',
      { type: 'button', class: (active ?? '') === (stage ?? '') ? 'active' : '', 'data-stage': stage ?? '', onclick: () => go({ stage }) },
      label,
      el('span', { class: 'count' }, count),
    );
  nav.append(button('All', project.dataUnits, undefined));
  for (const s of project.stages) nav.append(button(s.title, s.count, s.uuid));
}

async function showGrid(stage, offset) {
  $('unit-view').hidden = true;
  $('grid-view').hidden = false;
  renderStages(stage);
  const page = await api(`/api/units?${new URLSearchParams({ ...(stage && { stage }), offset: String(offset), limit: String(PAGE) })}`);
  const grid = $('grid');
  grid.replaceChildren(
    ...page.units.map((u) => {
      const preview = VISUAL.has(u.dataType)
        ? el('img', { src: `/api/units/${u.dataHash}/frames/0`, alt: u.title, loading: 'lazy' })
        : el('div', { class: 'noimg' }, `${u.dataType}: no preview`);
      const counts = `${u.objects} object${u.objects === 1 ? '' : 's'} · ${u.classifications} classification${u.classifications === 1 ? '' : 's'}`;
      return el(
        'a',
        { class: 'card', href: `#unit=${u.dataHash}&frame=0`, 'data-hash': u.dataHash },
        preview,
        el(
          'div',
          { class: 'info' },
          el('div', { class: 'title', title: u.title }, u.title),
          el('div', { class: 'muted' }, `${u.dataType}${u.frames > 1 ? ` · ${u.frames} frames` : ''} · ${u.stage?.title ?? '?'}`),
          el('div', { class: 'muted' }, counts),
        ),
      );
    }),
  );
  const end = Math.min(page.total, offset + page.units.length);
  $('grid-range').textContent = page.total ? `${offset + 1}–${end} of ${page.total}` : 'no data units';
  $('grid-prev').disabled = offset === 0;
  $('grid-next').disabled = end >= page.total;
  $('grid-prev').onclick = () => go({ stage, offset: String(Math.max(0, offset - PAGE)) });
  $('grid-next').onclick = () => go({ stage, offset: String(offset + PAGE) });
}

// ------------------------------------------------------------------ one unit

/** Frames that carry any label, for the "previous/next labelled frame" buttons. */
function labelledFrames(u) {
  const s = new Set();
  for (const o of u.objectsList) for (const f of o.frames) s.add(f.frame);
  for (const c of u.classificationsList) for (const f of c.frames) s.add(f);
  return [...s].sort((a, b) => a - b);
}

async function showUnit(hash, frame) {
  $('grid-view').hidden = true;
  $('unit-view').hidden = false;
  if (!unit || unit.dataHash !== hash) unit = await api(`/api/units/${hash}`);
  renderStages(unit.stage?.uuid);
  const frames = Math.max(1, unit.frames);
  frame = Math.min(frames - 1, Math.max(0, frame));
  $('unit-title').textContent = unit.title;
  $('unit-meta').textContent =
    `${unit.dataType} · ${unit.width ?? '?'}×${unit.height ?? '?'}${unit.fps ? ` · ${unit.fps} fps` : ''} · ${unit.stage?.title ?? '?'} · ${unit.labelStatus}`;
  const err = $('unit-error');
  err.hidden = !unit.labelError;
  err.textContent = unit.labelError ? `labels not shown: ${unit.labelError.code}: ${unit.labelError.message}` : '';

  const pager = $('frame-pager');
  pager.hidden = frames <= 1 || !VISUAL.has(unit.dataType);
  const slider = $('frame-slider');
  slider.max = String(frames - 1);
  slider.value = String(frame);
  slider.oninput = () => go({ unit: hash, frame: slider.value });
  $('frame-label').textContent = `frame ${frame} / ${frames - 1}`;
  const marked = labelledFrames(unit);
  const prevMarked = [...marked].reverse().find((f) => f < frame);
  const nextMarked = marked.find((f) => f > frame);
  $('prev-frame').disabled = frame === 0;
  $('next-frame').disabled = frame >= frames - 1;
  $('prev-labelled').disabled = prevMarked === undefined;
  $('next-labelled').disabled = nextMarked === undefined;
  $('prev-frame').onclick = () => go({ unit: hash, frame: String(frame - 1) });
  $('next-frame').onclick = () => go({ unit: hash, frame: String(frame + 1) });
  $('prev-labelled').onclick = () => go({ unit: hash, frame: String(prevMarked) });
  $('next-labelled').onclick = () => go({ unit: hash, frame: String(nextMarked) });

  const onFrame = unit.objectsList.flatMap((o) => o.frames.filter((f) => f.frame === frame).map((f) => ({ ...o, at: f })));
  const classes = unit.classificationsList.filter((c) => c.frames.includes(frame));
  $('objects').replaceChildren(
    ...(onFrame.length
      ? onFrame.map((o) =>
          el(
            'li',
            { 'data-object': o.objectHash },
            el('span', { class: 'swatch', style: `background:${o.color}` }),
            `${o.name}`,
            el('span', { class: 'muted' }, o.shape),
            el('span', { class: 'conf' }, `${o.at.confidence.toFixed(2)}${o.at.manual ? '' : ' model'}`),
          ),
        )
      : [el('li', { class: 'muted' }, 'none')]),
  );
  $('classifications').replaceChildren(
    ...(classes.length
      ? classes.map((c) =>
          el(
            'li',
            { 'data-classification': c.classificationHash },
            `${c.name}: ${Array.isArray(c.answer) ? c.answer.join(', ') : (c.answer ?? '—')}`,
            el('span', { class: 'conf' }, c.confidence.toFixed(2)),
          ),
        )
      : [el('li', { class: 'muted' }, 'none')]),
  );

  const canvas = $('view-canvas');
  canvas.hidden = !VISUAL.has(unit.dataType);
  if (canvas.hidden) return;
  const token = ++drawToken;
  delete canvas.dataset.drawn;
  const img = new Image();
  img.src = `/api/units/${hash}/frames/${frame}`;
  try {
    await img.decode();
  } catch {
    if (token === drawToken) {
      err.hidden = false;
      err.textContent = `frame ${frame} could not be loaded`;
    }
    return;
  }
  if (token !== drawToken) return; // a newer frame was asked for meanwhile
  canvas.width = img.naturalWidth;
  canvas.height = img.naturalHeight;
  const ctx = canvas.getContext('2d');
  ctx.drawImage(img, 0, 0);
  drawObjects(ctx, onFrame, canvas.width, canvas.height);
  fitCanvas();
  canvas.dataset.drawn = `${hash}:${frame}`;
}

/** Shows the canvas as large as the area allows (small frames scaled up), keeping its aspect ratio. */
function fitCanvas() {
  const canvas = $('view-canvas');
  if (!canvas.width) return;
  const area = canvas.parentElement.clientWidth;
  const tall = window.innerHeight * 0.75;
  const scale = Math.min(area / canvas.width, tall / canvas.height);
  canvas.style.width = `${Math.floor(canvas.width * scale)}px`;
  canvas.style.height = `${Math.floor(canvas.height * scale)}px`;
}

// ------------------------------------------------------------------ drawing

function drawObjects(ctx, objects, W, H) {
  const line = Math.max(2, Math.round(Math.min(W, H) / 250));
  const font = Math.max(12, Math.round(Math.min(W, H) / 36));
  // Masks first, so outlines and tags stay on top.
  for (const o of objects) if (o.at.coordinates.shape === 'bitmask') drawMask(ctx, o, W, H);
  for (const o of objects) {
    const c = o.at.coordinates;
    ctx.save();
    ctx.strokeStyle = o.color;
    ctx.fillStyle = o.color;
    ctx.lineWidth = line;
    ctx.lineJoin = 'round';
    let anchor = null;
    switch (c.shape) {
      case 'bounding_box': {
        const b = c.boundingBox;
        ctx.strokeRect(b.x * W, b.y * H, b.w * W, b.h * H);
        anchor = { x: b.x * W, y: b.y * H };
        break;
      }
      case 'rotatable_bounding_box':
        anchor = path(ctx, o.at.corners ?? [], W, H, true);
        ctx.stroke();
        break;
      case 'polygon': {
        ctx.beginPath();
        const rings = c.polygons.length ? c.polygons.flat() : [c.polygon.flatMap((p) => [p.x, p.y])];
        for (const ring of rings) {
          for (let i = 0; i + 1 < ring.length; i += 2) (i === 0 ? ctx.moveTo : ctx.lineTo).call(ctx, ring[i] * W, ring[i + 1] * H);
          ctx.closePath();
          if (!anchor && ring.length >= 2) anchor = { x: ring[0] * W, y: ring[1] * H };
        }
        ctx.globalAlpha = 0.2;
        ctx.fill('evenodd');
        ctx.globalAlpha = 1;
        ctx.stroke();
        break;
      }
      case 'polyline':
        anchor = path(ctx, c.polyline, W, H, false);
        ctx.stroke();
        break;
      case 'point':
        dot(ctx, c.point.x * W, c.point.y * H, line * 2.5);
        anchor = { x: c.point.x * W, y: c.point.y * H - line * 3 };
        break;
      case 'skeleton':
        for (const p of c.skeleton) dot(ctx, p.x * W, p.y * H, line * 2);
        if (c.skeleton[0]) anchor = { x: c.skeleton[0].x * W, y: c.skeleton[0].y * H };
        break;
      case 'bitmask':
        anchor = maskAnchor(o.at.runs ?? [], c.bitmask, W, H);
        break;
      default:
        break;
    }
    if (anchor) tag(ctx, `${o.name} ${o.at.confidence.toFixed(2)}`, anchor, o.color, font);
    ctx.restore();
  }
}

function path(ctx, points, W, H, closed) {
  ctx.beginPath();
  points.forEach((p, i) => (i === 0 ? ctx.moveTo(p.x * W, p.y * H) : ctx.lineTo(p.x * W, p.y * H)));
  if (closed) ctx.closePath();
  return points[0] ? { x: points[0].x * W, y: points[0].y * H } : null;
}

function dot(ctx, x, y, r) {
  ctx.beginPath();
  ctx.arc(x, y, r, 0, Math.PI * 2);
  ctx.fill();
  ctx.lineWidth = Math.max(1, r / 3);
  ctx.strokeStyle = '#fff';
  ctx.stroke();
}

/** A name tag above `at` (below it when there is no room), in the object's colour. */
function tag(ctx, text, at, color, font) {
  ctx.font = `${font}px system-ui, "DejaVu Sans", sans-serif`;
  const w = ctx.measureText(text).width + 8;
  const h = font + 6;
  const y = at.y - h >= 0 ? at.y - h : at.y;
  ctx.fillStyle = color;
  ctx.fillRect(at.x, y, w, h);
  ctx.fillStyle = contrast(color);
  ctx.textBaseline = 'top';
  ctx.fillText(text, at.x + 4, y + 3);
}

/** Black or white text for a background colour (#rrggbb). */
function contrast(hex) {
  const m = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})/i.exec(hex) ?? [0, 'ff', 'ff', 'ff'];
  const [r, g, b] = m.slice(1, 4).map((v) => parseInt(v, 16));
  return 0.299 * r + 0.587 * g + 0.114 * b > 140 ? '#000' : '#fff';
}

/** Encord bitmask runs (zeros first, row-major over the whole mask) painted half-transparent. */
function drawMask(ctx, o, W, H) {
  const { width, height } = o.at.coordinates.bitmask;
  if (!width || !height) return;
  const off = document.createElement('canvas');
  off.width = width;
  off.height = height;
  const octx = off.getContext('2d');
  const data = octx.createImageData(width, height);
  const [r, g, b] = (/^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})/i.exec(o.color) ?? [0, 'ff', '00', 'ff'])
    .slice(1, 4)
    .map((v) => parseInt(v, 16));
  let pos = 0;
  (o.at.runs ?? []).forEach((n, i) => {
    if (i % 2 === 1) for (let p = pos; p < pos + n && p < width * height; p++) data.data.set([r, g, b, 120], p * 4);
    pos += n;
  });
  octx.putImageData(data, 0, 0);
  ctx.drawImage(off, 0, 0, W, H);
}

/** Top-left-most set pixel of a mask, in canvas pixels (where its tag goes). */
function maskAnchor(runs, bitmask, W, H) {
  let pos = 0;
  for (let i = 0; i < runs.length; i++) {
    if (i % 2 === 1 && runs[i] > 0)
      return { x: ((pos % bitmask.width) / bitmask.width) * W, y: (Math.floor(pos / bitmask.width) / bitmask.height) * H };
    pos += runs[i];
  }
  return null;
}

// ------------------------------------------------------------------ routing

async function route() {
  const h = readHash();
  try {
    if (h.unit) await showUnit(h.unit, Number(h.frame ?? 0) || 0);
    else {
      unit = null;
      await showGrid(h.stage, Number(h.offset ?? 0) || 0);
    }
  } catch (e) {
    $('grid-view').hidden = false;
    $('grid').replaceChildren(el('p', { class: 'error' }, e.message));
  }
}

async function start() {
  project = await api('/api/project');
  $('title').textContent = project.title;
  $('project-hash').textContent = project.projectHash;
  document.title = `${project.title} · task-agents view`;
  $('back').onclick = () => go({ stage: unit?.stage?.uuid });
  window.addEventListener('hashchange', route);
  window.addEventListener('resize', fitCanvas);
  await route();
}

start().catch((e) => {
  document.body.append(el('p', { class: 'error' }, `cannot load the project: ${e.message}`));
});
