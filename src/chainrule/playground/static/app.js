// chainrule playground page: draws what the server's session streams. Every number shown
// (losses, heat maps, weights, the backprop graph) was computed by chainrule on the server;
// this file only formats and draws it, and sends the controls' changes back.
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const NEG = [245, 147, 34], MID = [232, 234, 235], POS = [8, 119, 189];
  const CLASS_COLOURS = [[8, 119, 189], [245, 147, 34], [56, 160, 80], [142, 68, 173]];
  const FEATURE_KEYS = ["x1", "x2", "x1sq", "x2sq", "x1x2", "sinx1", "sinx2"];
  const UNIT = 40, ROW = 50, COL = 110;           // network layout, pixels

  const pg = {                                      // exposed for tests: window.playground
    state: null, frame: null, config: {}, history: [], playing: false, generation: 0,
    lastBackprop: null, bpStep: 0, ready: false, framesReceived: 0, framesDrawn: 0,
  };
  window.playground = pg;

  // --- the socket: requests with replies, frames while playing ---------------------------
  let ws = null, nextId = 1;
  const pending = new Map();

  function request(cmd, args) {
    return new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      ws.send(JSON.stringify({ id, cmd, args: args || {} }));
    });
  }

  function connect() {
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    ws = new WebSocket(`${proto}//${location.host}/ws`);
    ws.onopen = () => {
      request("init", { config: configFromHash() }).then((state) => {
        if (state.warning) showMessage(`The link's setup was refused: ${state.warning}. ` +
                                       "Showing the default setup.");
        applyState(state);
        pg.session = state.session;
        pg.ready = true;
      }, showMessage);
    };
    ws.onmessage = (ev) => {
      const m = JSON.parse(ev.data);
      if (m.type === "reply") {
        const p = pending.get(m.id);
        if (!p) { if (m.error) showMessage(m.error); return; }
        pending.delete(m.id);
        if (m.error !== undefined) p.reject(m.error); else p.resolve(m.result);
      } else if (m.type === "frame") {
        if (m.generation === pg.generation) { pg.framesReceived++; queueFrame(m); }
      } else if (m.type === "paused") {
        setPlaying(false);
        showMessage(m.reason === "converged"
          ? "The perceptron classifies every training point correctly: converged."
          : "paused", "info");
      }
    };
    ws.onclose = () => {
      pg.ready = false;
      setPlaying(false);
      showMessage("The connection to the playground server was closed (is it still running?).");
    };
  }

  // --- messages ------------------------------------------------------------------------
  function showMessage(text, kind) {
    const el = $("message");
    el.textContent = String(text);
    el.className = kind === "info" ? "info" : "error";
  }
  function clearMessage() { $("message").className = "hidden"; $("message").textContent = ""; }

  // --- setup <-> controls <-> URL --------------------------------------------------------
  function configFromHash() {
    const out = {};
    const h = location.hash.replace(/^#/, "");
    if (!h) return out;
    for (const [k, v] of new URLSearchParams(h)) out[k] = v;
    return out;
  }

  function writeHash(config) {
    const q = new URLSearchParams(config).toString().replace(/%2C/g, ",");
    history.replaceState(null, "", "#" + q);
  }

  function change(values) {
    request("update", { config: values }).then((state) => { clearMessage(); applyState(state); },
      (err) => { showMessage(err); setControls(pg.config); });
  }

  function setControls(c) {
    for (const el of document.querySelectorAll("[data-key]")) {
      const k = el.dataset.key;
      if (!(k in c)) continue;
      if (el.type === "checkbox") el.checked = c[k] === "1";
      else if (el.tagName === "SELECT") {
        // numbers: pick the option with the same value ("0.030" and "0.03" are one)
        let opt = [...el.options].find((o) => o.value === c[k] ||
          (!isNaN(+o.value) && +o.value === +c[k]));
        if (!opt) { opt = new Option(c[k], c[k]); el.add(opt); }
        el.value = opt.value;
      } else el.value = c[k];
    }
    $("ratio-val").textContent = c.ratio;
    $("noise-val").textContent = c.noise;
    $("batch-val").textContent = c.batch;
  }

  function bindControls() {
    for (const el of document.querySelectorAll("[data-key]")) {
      const k = el.dataset.key;
      el.addEventListener("change", () => {
        const v = el.type === "checkbox" ? (el.checked ? "1" : "0") : el.value;
        change({ [k]: v });
      });
      if (el.type === "range") el.addEventListener("input", () => {
        $(`${k}-val`).textContent = el.value;
      });
    }
    $("play").onclick = () => togglePlay();
    $("step").onclick = () => {
      setPlaying(false);
      request("step", { n: 1 }).then((f) => { clearMessage(); applyFrame(f); }, showMessage);
    };
    $("reset").onclick = () => {
      setPlaying(false);
      request("reset").then(applyState, showMessage);
    };
    $("regenerate").onclick = () => request("regenerate").then(applyState, showMessage);
    $("layers-plus").onclick = () => {
      const l = layersOf(); if (l.length < 6) { l.push(l.length ? l[l.length - 1] : 2); change({ layers: l.join(",") }); }
    };
    $("layers-minus").onclick = () => {
      const l = layersOf(); if (l.length) { l.pop(); change({ layers: l.join(",") }); }
    };
    $("show-test").onchange = () => drawHeatmap();
    $("heatmap").addEventListener("click", onHeatmapClick);
    $("net-canvas").addEventListener("mousemove", onNetMove);
    $("net-canvas").addEventListener("mouseleave", () => $("tooltip").classList.add("hidden"));
    $("net-canvas").addEventListener("click", onNetClick);
    $("gradcheck").onclick = () => {
      $("gradcheck-result").textContent = "checking ...";
      request("gradcheck").then((g) => {
        const w = g.where;
        $("gradcheck-result").textContent =
          `worst relative error ${fmt(g.worstRelError, 2)} over ${g.parameters} parameters ` +
          `(${w.param}[${w.index}]: backprop ${fmt(w.backprop)}, finite differences ${fmt(w.numeric)})`;
        $("gradcheck-result").dataset.worst = String(g.worstRelError);
      }, (e) => { $("gradcheck-result").textContent = ""; showMessage(e); });
    };
    $("backprop-close").onclick = () => $("backprop").classList.add("hidden");
    $("bp-prev").onclick = () => showBackpropStep(pg.bpStep - 1);
    $("bp-next").onclick = () => showBackpropStep(pg.bpStep + 1);
    $("bp-all").onclick = () => showBackpropStep(pg.lastBackprop ? pg.lastBackprop.backward.length : 0);
    $("we-cancel").onclick = () => $("weight-editor").classList.add("hidden");
    $("we-ok").onclick = submitWeight;
    $("we-value").addEventListener("keydown", (e) => {
      if (e.key === "Enter") submitWeight();
      if (e.key === "Escape") $("weight-editor").classList.add("hidden");
    });
  }

  function layersOf() {
    const s = pg.config.layers || "";
    return s ? s.split(",").map(Number) : [];
  }

  function setPlaying(on) {
    pg.playing = on;
    $("play").innerHTML = on ? "&#10074;&#10074; pause" : "&#9654; play";
  }

  function togglePlay() {
    const on = !pg.playing;
    setPlaying(on);
    request(on ? "play" : "pause").catch(showMessage);
  }

  // --- state and frames ------------------------------------------------------------------
  function applyState(state) {
    pg.state = state;
    pg.config = state.config;
    pg.generation = state.frame.generation;
    pg.history = state.fullHistory.slice();
    setControls(state.config);
    writeHash(state.config);
    buildFeatures();
    buildNetwork();
    if (pg.session) {
      $("export-ckpt").href = `/api/session/${pg.session}/checkpoint`;
      $("export-script").href = `/api/session/${pg.session}/script`;
    }
    $("layers-count").textContent = state.mode === "perceptron" ? "(perceptron: one unit)"
      : String(layersOf().length);
    $("bn").disabled = $("dropout").disabled = state.mode === "perceptron";
    $("backprop").classList.add("hidden");
    $("gradcheck-result").textContent = "";
    applyFrame(state.frame, true);
  }

  // Frames arrive faster than a slow machine may draw: keep the newest, draw once per
  // animation frame (the loss curve still gets every frame's point).
  let queued = null;
  function queueFrame(f) {
    if (f.history) pushHistory(f.history);
    if (queued === null) requestAnimationFrame(() => {
      const q = queued; queued = null;
      if (q.generation === pg.generation) { applyFrame(q, false, true); pg.framesDrawn++; }
    });
    queued = f;
  }

  function pushHistory(p) {
    const last = pg.history[pg.history.length - 1];
    if (!last || last[0] !== p[0] || last[1] !== p[1]) pg.history.push(p);
    if (pg.history.length > 2000) pg.history = pg.history.filter((_, i) => i % 2 === 0);
  }

  function applyFrame(f, fromState, historyDone) {
    pg.frame = f;
    if (!fromState && !historyDone && f.history) pushHistory(f.history);
    $("epoch").textContent = String(f.epoch).padStart(6, "0");
    $("steps").textContent = f.steps;
    $("train-loss").textContent = fmt(f.trainLoss, 3);
    $("test-loss").textContent = fmt(f.testLoss, 3);
    $("test-loss").dataset.value = String(f.testLoss);
    $("accuracy").textContent = f.testAcc === null ? "" :
      `accuracy: test ${(100 * f.testAcc).toFixed(1)}% · training ${(100 * f.trainAcc).toFixed(1)}%`;
    drawConfusion(f.confusion);
    drawLossChart();
    drawHeatmap();
    drawNetwork();
  }

  // --- colours and heat maps -------------------------------------------------------------
  function mix(a, b, t) { return [0, 1, 2].map((i) => Math.round(a[i] + (b[i] - a[i]) * t)); }
  function signedColour(v) { return v < 0 ? mix(MID, NEG, -v) : mix(MID, POS, v); }

  function bytes(b64) {
    const s = atob(b64), out = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
    return out;
  }

  // byte 0..255 (value -1..1) -> packed RGBA, computed once
  const SIGNED_LUT = new Uint32Array(256);
  const littleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
  function pack(c) {
    return littleEndian ? ((255 << 24) | (c[2] << 16) | (c[1] << 8) | c[0]) >>> 0
                        : ((c[0] << 24) | (c[1] << 16) | (c[2] << 8) | 255) >>> 0;
  }
  for (let b = 0; b < 256; b++) SIGNED_LUT[b] = pack(signedColour(b / 127.5 - 1));

  const offscreen = {};
  function offscreenFor(res) {
    let o = offscreen[res];
    if (!o) {
      const c = document.createElement("canvas");
      c.width = c.height = res;
      const ctx = c.getContext("2d"), img = ctx.createImageData(res, res);
      o = offscreen[res] = { c, ctx, img, px: new Uint32Array(img.data.buffer) };
    }
    return o;
  }
  function paint(canvas, res, fill) {     // fill(Uint32Array of res*res pixels)
    const o = offscreenFor(res);
    fill(o.px);
    o.ctx.putImageData(o.img, 0, 0);
    const g = canvas.getContext("2d");
    g.imageSmoothingEnabled = true;
    g.drawImage(o.c, 0, 0, canvas.width, canvas.height);
  }

  function drawSigned(canvas, res, b64) {
    const d = bytes(b64);
    paint(canvas, res, (px) => { for (let i = 0; i < px.length; i++) px[i] = SIGNED_LUT[d[i]]; });
  }

  function toPx(x, y, size) {
    const D = pg.state.domain;
    return [(x + D) / (2 * D) * size, (D - y) / (2 * D) * size];
  }

  function pointColour(label) {
    const s = pg.state;
    if (s.kind === "regression") return signedColour(Math.max(-1, Math.min(1, label)));
    if (s.nClasses === 2) return label === 1 ? POS : NEG;
    return CLASS_COLOURS[label];
  }

  function drawHeatmap() {
    const f = pg.frame, s = pg.state, canvas = $("heatmap");
    if (!f || !s) return;
    const o = f.output;
    if (o.kind === "signed") drawSigned(canvas, s.outputRes, o.data);
    else {
      const cls = bytes(o.cls), conf = bytes(o.conf);
      paint(canvas, s.outputRes, (px) => {
        for (let i = 0; i < px.length; i++) {
          px[i] = pack(mix(MID, CLASS_COLOURS[cls[i]], 0.15 + 0.6 * (conf[i] / 255)));
        }
      });
    }
    const g = canvas.getContext("2d");
    if (s.mode === "perceptron" && s.features.length === 2 && s.features[0] === "x\u2081" &&
        s.features[1] === "x\u2082") {
      const W = f.weights[0].W[0], b = f.weights[0].b[0], D = s.domain;
      if (Math.abs(W[1]) > 1e-12 || Math.abs(W[0]) > 1e-12) {   // w1 x1 + w2 x2 + b = 0
        g.strokeStyle = "#222"; g.lineWidth = 2; g.beginPath();
        if (Math.abs(W[1]) > Math.abs(W[0])) {
          const [ax, ay] = toPx(-D, (-b + W[0] * D) / W[1], canvas.width);
          const [bx, by] = toPx(D, (-b - W[0] * D) / W[1], canvas.width);
          g.moveTo(ax, ay); g.lineTo(bx, by);
        } else {
          const [ax, ay] = toPx((-b + W[1] * D) / W[0], -D, canvas.width);
          const [bx, by] = toPx((-b - W[1] * D) / W[0], D, canvas.width);
          g.moveTo(ax, ay); g.lineTo(bx, by);
        }
        g.stroke();
      }
    }
    const splits = $("show-test").checked ? ["train", "test"] : ["train"];
    for (const split of splits) {
      const pts = s[split];
      for (let i = 0; i < pts.x.length; i++) {
        const [px, py] = toPx(pts.x[i][0], pts.x[i][1], canvas.width);
        g.beginPath(); g.arc(px, py, 3.2, 0, 2 * Math.PI);
        g.fillStyle = `rgb(${pointColour(pts.y[i]).join(",")})`; g.fill();
        g.strokeStyle = split === "train" ? "#fff" : "#000"; g.lineWidth = 1; g.stroke();
      }
    }
    if (pg.selected) {
      const p = s[pg.selected.split].x[pg.selected.index];
      const [px, py] = toPx(p[0], p[1], canvas.width);
      g.beginPath(); g.arc(px, py, 7, 0, 2 * Math.PI);
      g.strokeStyle = "#111"; g.lineWidth = 2; g.stroke();
    }
  }

  function drawLossChart() {
    const c = $("loss-chart"), g = c.getContext("2d"), h = pg.history;
    g.clearRect(0, 0, c.width, c.height);
    if (h.length < 2) return;
    const x0 = h[0][0], x1 = h[h.length - 1][0] || 1;
    let ymax = 0;
    for (const r of h) ymax = Math.max(ymax, r[1], r[2]);
    ymax = ymax || 1;
    for (const [col, colour] of [[1, "#aaa"], [2, "#222"]]) {
      g.beginPath(); g.strokeStyle = colour; g.lineWidth = 1.5;
      h.forEach((r, i) => {
        const x = (r[0] - x0) / ((x1 - x0) || 1) * c.width, y = c.height - r[col] / ymax * (c.height - 4);
        if (i === 0) g.moveTo(x, y); else g.lineTo(x, y);
      });
      g.stroke();
    }
  }

  function drawConfusion(m) {
    const t = $("confusion");
    t.innerHTML = "";
    if (!m) return;
    const head = t.insertRow();
    head.insertCell().textContent = "true \\ predicted";
    m.forEach((_, j) => { head.insertCell().textContent = String(j); });
    m.forEach((row, i) => {
      const r = t.insertRow();
      r.insertCell().textContent = String(i);
      row.forEach((v, j) => {
        const cell = r.insertCell();
        cell.textContent = String(v);
        if (i === j) cell.className = "diag";
      });
    });
  }

  // --- the network ---------------------------------------------------------------------
  function buildFeatures() {
    const box = $("features");
    box.innerHTML = "";
    const chosen = (pg.config.features || "").split(",");
    const labels = { x1: "x\u2081", x2: "x\u2082", x1sq: "x\u2081\u00b2", x2sq: "x\u2082\u00b2",
                     x1x2: "x\u2081x\u2082", sinx1: "sin x\u2081", sinx2: "sin x\u2082" };
    for (const k of FEATURE_KEYS) {
      const lab = document.createElement("label");
      lab.className = "feature" + (chosen.includes(k) ? " on" : "");
      const cb = document.createElement("input");
      cb.type = "checkbox"; cb.checked = chosen.includes(k); cb.id = `feature-${k}`;
      cb.onchange = () => {
        const now = FEATURE_KEYS.filter((f) => f === k ? cb.checked : chosen.includes(f));
        change({ features: now.join(",") });
      };
      lab.append(cb, " " + labels[k]);
      box.append(lab);
    }
  }

  // The network is one canvas (units, their heat maps, biases, links): one repaint per
  // frame, which keeps a 6 x 8 network fluid on a slow machine. Hover and click find the
  // link or bias under the mouse from the same geometry.
  function unitPos(layer, i) { return [layer * COL + 8, i * ROW + 30]; }

  function buildNetwork() {
    const net = $("network"), s = pg.state;
    for (const el of [...net.querySelectorAll(".layer-ctl")]) el.remove();
    const sizes = s.sizes;
    const c = $("net-canvas");
    c.height = Math.max(...sizes) * ROW + 40;
    c.width = (sizes.length - 1) * COL + UNIT + 20;
    pg.geometry = [];                       // [{kind, layer, to, from, pts}] for hit tests
    sizes.forEach((n, layer) => {
      if (layer > 0 && layer < sizes.length - 1 && s.mode === "network") {   // +/- units
        const [x] = unitPos(layer, 0);
        const ctl = document.createElement("div");
        ctl.className = "layer-ctl";
        ctl.style.left = `${x - 4}px`; ctl.style.top = "0px";
        for (const [txt, d] of [["\u2212", -1], ["+", 1]]) {
          const btn = document.createElement("button");
          btn.textContent = txt;
          btn.title = d > 0 ? "add a unit" : "remove a unit";
          btn.className = d > 0 ? "unit-plus" : "unit-minus";
          btn.onclick = () => {
            const l = layersOf(); const u = l[layer - 1] + d;
            if (u >= 1 && u <= 8) { l[layer - 1] = u; change({ layers: l.join(",") }); }
          };
          ctl.append(btn);
        }
        net.append(ctl);
      }
    });
  }

  function linkPoints(l, to, from) {
    const [x0, y0] = unitPos(l, from), [x1, y1] = unitPos(l + 1, to);
    const ax = x0 + UNIT, ay = y0 + UNIT / 2, bx = x1, by = y1 + UNIT / 2, mx = (ax + bx) / 2;
    return [ax, ay, mx, ay, mx, by, bx, by];
  }

  function drawNetwork() {
    const f = pg.frame, s = pg.state, c = $("net-canvas");
    if (!f || !s) return;
    const g = c.getContext("2d");
    g.clearRect(0, 0, c.width, c.height);
    pg.geometry = [];
    f.weights.forEach((layerW, l) => layerW.W.forEach((row, to) => row.forEach((w, from) => {
      const p = linkPoints(l, to, from);
      g.beginPath(); g.moveTo(p[0], p[1]); g.bezierCurveTo(p[2], p[3], p[4], p[5], p[6], p[7]);
      g.strokeStyle = w >= 0 ? "rgba(8,119,189,.85)" : "rgba(245,147,34,.85)";
      g.lineWidth = Math.min(8, 0.4 + 2.5 * Math.abs(w));
      g.stroke();
      pg.geometry.push({ kind: "W", layer: l, to, from, p });
    })));
    const sizes = s.sizes;
    sizes.forEach((n, layer) => {
      for (let i = 0; i < n; i++) {
        const [x, y] = unitPos(layer, i);
        const map = layer === sizes.length - 1 ? null : f.units[layer] && f.units[layer][i];
        if (map) paintAt(g, x, y, UNIT, s.unitRes, map);
        else if (layer === sizes.length - 1) g.drawImage($("heatmap"), x, y, UNIT, UNIT);
        g.strokeStyle = "#888"; g.lineWidth = 1; g.strokeRect(x - 0.5, y - 0.5, UNIT + 1, UNIT + 1);
        if (layer > 0) {
          const b = f.weights[layer - 1].b[i];
          g.fillStyle = `rgb(${signedColour(Math.max(-1, Math.min(1, b))).join(",")})`;
          g.fillRect(x - 6, y + UNIT - 6, 10, 10);
          g.strokeStyle = "#555"; g.strokeRect(x - 6.5, y + UNIT - 6.5, 11, 11);
          pg.geometry.push({ kind: "b", layer: layer - 1, to: i, box: [x - 6, y + UNIT - 6, 10, 10] });
        }
      }
    });
  }

  function paintAt(g, x, y, size, res, b64) {
    const o = offscreenFor(res), d = bytes(b64), px = o.px;
    for (let i = 0; i < px.length; i++) px[i] = SIGNED_LUT[d[i]];
    o.ctx.putImageData(o.img, 0, 0);
    g.imageSmoothingEnabled = true;
    g.drawImage(o.c, x, y, size, size);
  }

  function bezierAt(p, t) {
    const u = 1 - t;
    return [u * u * u * p[0] + 3 * u * u * t * p[2] + 3 * u * t * t * p[4] + t * t * t * p[6],
            u * u * u * p[1] + 3 * u * u * t * p[3] + 3 * u * t * t * p[5] + t * t * t * p[7]];
  }

  function hitTest(ev) {
    const c = $("net-canvas"), r = c.getBoundingClientRect();
    const mx = (ev.clientX - r.left) * c.width / r.width, my = (ev.clientY - r.top) * c.height / r.height;
    let best = null, bestD = 25;                        // within 5 px
    for (const item of pg.geometry || []) {
      if (item.kind === "b") {
        const [bx, by, bw, bh] = item.box;
        if (mx >= bx - 2 && mx <= bx + bw + 2 && my >= by - 2 && my <= by + bh + 2) return item;
        continue;
      }
      for (let k = 0; k <= 16; k++) {
        const [px, py] = bezierAt(item.p, k / 16), d = (px - mx) ** 2 + (py - my) ** 2;
        if (d < bestD) { bestD = d; best = item; }
      }
    }
    return best;
  }

  function describe(item) {
    const w = pg.frame.weights[item.layer];
    return item.kind === "b" ? [`b${item.layer + 1}[${item.to}]`, w.b[item.to]]
      : [`W${item.layer + 1}[${item.to},${item.from}]`, w.W[item.to][item.from]];
  }

  function onNetMove(ev) {
    const tip = $("tooltip"), item = hitTest(ev);
    if (!item) { tip.classList.add("hidden"); $("net-canvas").style.cursor = "default"; return; }
    const [name, v] = describe(item);
    tip.textContent = `${name} = ${fmt(v, 4)} (click to edit)`;
    tip.classList.remove("hidden");
    tip.style.left = `${ev.pageX + 12}px`; tip.style.top = `${ev.pageY + 12}px`;
    $("net-canvas").style.cursor = "pointer";
  }

  function onNetClick(ev) {
    const item = hitTest(ev);
    if (item) openWeightEditor(ev, item.layer, item.to, item.kind === "b" ? null : item.from);
  }

  let editing = null;
  function openWeightEditor(ev, layer, to, from) {
    ev.stopPropagation();
    const w = pg.frame.weights[layer];
    const value = from === null ? w.b[to] : w.W[to][from];
    editing = { layer, to, from };
    $("we-label").textContent = from === null ? `b${layer + 1}[${to}] = ` : `W${layer + 1}[${to},${from}] = `;
    $("we-value").value = String(+value.toFixed(4));
    const ed = $("weight-editor");
    ed.classList.remove("hidden");
    ed.style.left = `${ev.pageX + 8}px`; ed.style.top = `${ev.pageY + 8}px`;
    $("we-value").focus(); $("we-value").select();
  }

  function submitWeight() {
    if (!editing) return;
    const args = { layer: editing.layer, to: editing.to, value: Number($("we-value").value) };
    if (editing.from !== null) args.from = editing.from;
    if ($("we-value").value.trim() === "" || !isFinite(args.value)) { showMessage("value: enter a number"); return; }
    request("set_weight", args).then((f) => {
      $("weight-editor").classList.add("hidden"); clearMessage(); applyFrame(f);
    }, showMessage);
  }

  // --- backprop mode ---------------------------------------------------------------------
  function onHeatmapClick(ev) {
    const s = pg.state, c = $("heatmap");
    if (!s) return;
    const r = c.getBoundingClientRect();
    const mx = (ev.clientX - r.left) * c.width / r.width, my = (ev.clientY - r.top) * c.height / r.height;
    let best = null, bestD = 64;                        // within 8 px
    for (const split of ($("show-test").checked ? ["train", "test"] : ["train"])) {
      s[split].x.forEach((p, i) => {
        const [px, py] = toPx(p[0], p[1], c.width), d = (px - mx) ** 2 + (py - my) ** 2;
        if (d < bestD) { bestD = d; best = { split, index: i }; }
      });
    }
    if (best) openBackprop(best.split, best.index);
  }

  function openBackprop(split, index) {
    return request("backprop", { split, index }).then((bp) => {
      clearMessage();
      pg.lastBackprop = bp;
      pg.selected = { split, index };
      drawHeatmap();
      renderBackprop(bp);
      $("backprop").classList.remove("hidden");
      showBackpropStep(0);
      $("backprop").scrollIntoView({ block: "nearest" });
    }, showMessage);
  }
  pg.openBackprop = openBackprop;

  function fmt(v, digits) {
    if (v === null || v === undefined) return "-";
    if (Array.isArray(v)) {
      const flat = v.flat(Infinity);
      if (flat.length <= 8) return "[" + flat.map((x) => fmt(x, digits)).join(", ") + "]";
      return `[${flat.length} values] |max| ${fmt(Math.max(...flat.map(Math.abs)), 3)}`;
    }
    if (typeof v !== "number") return String(v);
    if (!isFinite(v)) return String(v);
    if (v === 0) return "0";
    const d = digits || 4, a = Math.abs(v);
    if (a >= 1e5 || a < 1e-4) return v.toExponential(Math.max(0, d - 1));
    return String(+v.toPrecision(d));
  }
  pg.fmt = fmt;

  function valueSpan(v, cls) {
    const s = document.createElement("span");
    s.className = "num" + (cls ? " " + cls : "");
    s.textContent = fmt(v);
    s.dataset.full = JSON.stringify(v);
    return s;
  }

  function renderBackprop(bp) {
    const label = pg.state.kind === "regression" ? fmt(bp.label) : `class ${bp.label}`;
    $("bp-sample").textContent = `${bp.split} point #${bp.index} at (${fmt(bp.point[0], 3)}, ` +
      `${fmt(bp.point[1], 3)}), ${label}; loss L = ${fmt(bp.loss)}`;
    $("bp-note").textContent = "Every number is chainrule.viz.trace's, computed on the server: " +
      bp.note + ". The backward pass runs in the engine's own order.";
    const g = $("bp-graph");
    g.innerHTML = "";
    for (const node of bp.forward) {
      const box = document.createElement("div");
      box.className = "node";
      box.dataset.output = node.output;
      const head = document.createElement("div");
      head.className = "op";
      head.textContent = `${node.output} = ${node.op}(${node.inputs.map((i) => i.name).join(", ")})`;
      const val = document.createElement("div");
      val.append("value ", valueSpan(node.value, "fwd"));
      const grad = document.createElement("div");
      grad.className = "grad";
      box.append(head, val, grad);
      g.append(box);
    }
  }

  function isDiagonal(local, n) {      // local shaped out + in for elementwise ops
    const flat = local.flat(Infinity);
    if (flat.length !== n * n) return null;
    const d = [];
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
      if (i !== j && flat[i * n + j] !== 0) return null;
      if (i === j) d.push(flat[i * n + j]);
    }
    return d;
  }

  function showBackpropStep(k) {
    const bp = pg.lastBackprop;
    if (!bp) return;
    const n = bp.backward.length;
    k = Math.max(0, Math.min(n, k));
    pg.bpStep = k;
    $("bp-position").textContent = `backward step ${k} of ${n}`;
    $("bp-prev").disabled = k === 0; $("bp-next").disabled = k === n;
    const done = new Map();
    for (const s of bp.backward.slice(0, k)) done.set(s.output, s);
    for (const box of $("bp-graph").querySelectorAll(".node")) {
      const s = done.get(box.dataset.output);
      box.classList.toggle("done", !!s);
      box.classList.toggle("current", k > 0 && bp.backward[k - 1].output === box.dataset.output);
      const grad = box.querySelector(".grad");
      grad.innerHTML = "";
      if (s) grad.append(`dL/d${s.output} `, valueSpan(s.upstream, "upstream"));
    }
    const out = $("bp-step");
    out.innerHTML = "";
    if (k === 0) {
      out.textContent = "Forward pass done: each node shows its value. Step through the backward pass.";
      return;
    }
    const s = bp.backward[k - 1];
    const h = document.createElement("h3");
    h.textContent = `${k}. ${s.op} \u2192 ${s.output}: upstream dL/d${s.output} = `;
    h.append(valueSpan(s.upstream, "upstream"));
    out.append(h);
    const table = document.createElement("table");
    table.className = "bp-table";
    const hr = table.insertRow();
    for (const c of ["input", "local", "upstream \u00d7 local = product", "product dL/d(input)"]) {
      const th = document.createElement("th"); th.textContent = c; hr.append(th);
    }
    const upFlat = [s.upstream].flat(Infinity);
    for (const part of s.parts) {
      const r = table.insertRow();
      r.insertCell().textContent = part.name;
      const loc = r.insertCell();
      const how = r.insertCell();
      const prodFlat = [part.product].flat(Infinity);
      if (part.local === null) loc.textContent = "(Jacobian not shown)";
      else loc.append(`d${s.output}/d${part.name} = `, valueSpan(part.local, "local"));
      if (part.local !== null && upFlat.length === 1 && [part.local].flat(Infinity).length === prodFlat.length) {
        const lf = [part.local].flat(Infinity);
        how.textContent = lf.length === 1 ? `${fmt(upFlat[0])} \u00d7 ${fmt(lf[0])} = ${fmt(prodFlat[0])}`
          : `${fmt(upFlat[0])} \u00d7 local (each entry)`;
      } else if (part.local !== null && isDiagonal(part.local, upFlat.length) && prodFlat.length === upFlat.length) {
        const d = isDiagonal(part.local, upFlat.length);
        how.textContent = upFlat.slice(0, 4).map((u, i) => `${fmt(u)}\u00d7${fmt(d[i])}=${fmt(prodFlat[i])}`).join("; ") +
          (upFlat.length > 4 ? "; \u2026 (elementwise)" : " (elementwise)");
      } else how.textContent = "vector-Jacobian product: upstream \u00b7 local";
      r.insertCell().append(valueSpan(part.product, "product"));
    }
    out.append(table);
    if (k === n) {
      const p = document.createElement("p");
      p.append("Gradients of the parameters: ");
      for (const [name, v] of Object.entries(bp.grads)) {
        const item = document.createElement("span");
        item.className = "leaf-grad";
        item.dataset.name = name;
        item.append(` ${name}: `, valueSpan(v, "leaf"));
        p.append(item);
      }
      out.append(p);
    }
  }

  window.addEventListener("DOMContentLoaded", () => { bindControls(); connect(); });
  window.addEventListener("beforeunload", () => { if (ws) ws.close(); });
})();
