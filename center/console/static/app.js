// SafeHub alarm console: fetch /api/state, render, refresh on every
// server-sent "change" event. No framework, no build step.
"use strict";

const $ = (sel) => document.querySelector(sel);

// Messages in English and zh-CN, picked by the browser's language.
const MSG = {
  "en": {
    boxTold: "box told", tellingBox: "telling box…", boxRefused: "box refused: {reason}, retrying",
    reset: "Reset", resetAsk: "Reset the latched alarm at the box? The siren stops; smoke still present raises a new alarm.",
    resetWaiting: "reset asked by {by}, waiting for the box…", resetDone: "reset by {by}, confirmed by the box",
    resetRefused: "the box refused the reset: {why}", repeats: "triggered again ×{n}",
  },
  "zh-CN": {
    boxTold: "已通知住户设备", tellingBox: "正在通知住户设备…", boxRefused: "住户设备拒绝：{reason}，正在重试",
    reset: "复位", resetAsk: "要在家庭网关上复位这条锁定的报警吗？警笛会停止；如果烟雾仍在，会产生新的报警。",
    resetWaiting: "{by} 已请求复位，等待网关确认…", resetDone: "{by} 已复位，网关已确认",
    resetRefused: "网关拒绝复位：{why}", repeats: "再次触发 ×{n}",
  },
};
const lang = (navigator.language || "en").toLowerCase().startsWith("zh") ? "zh-CN" : "en";
const msg = (key, args) => MSG[lang][key].replace(/\{(\w+)\}/g, (_, k) => (args || {})[k] ?? "");
let audio = null;          // AudioContext, made on the login click (a user gesture)
const seen = new Set();     // alarm ids already announced
let first = true;


function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v; else if (k.startsWith("data-")) e.setAttribute(k, v); else e[k] = v;
  }
  for (const k of kids) e.append(k);
  return e;
}

function fmtTime(s) {
  if (!s) return "";
  const d = new Date(s);
  return d.toLocaleString();
}

function age(s, now) {
  const sec = Math.max(0, Math.round((new Date(now) - new Date(s)) / 1000));
  if (sec < 120) return sec + " s ago";
  if (sec < 7200) return Math.round(sec / 60) + " min ago";
  return Math.round(sec / 3600) + " h ago";
}

function beep() {
  if (!audio) return;
  const t = audio.currentTime;
  for (let i = 0; i < 3; i++) {
    const o = audio.createOscillator(), g = audio.createGain();
    o.frequency.value = 880; o.connect(g); g.connect(audio.destination);
    g.gain.setValueAtTime(0.4, t + i * 0.4); g.gain.setValueAtTime(0, t + i * 0.4 + 0.25);
    o.start(t + i * 0.4); o.stop(t + i * 0.4 + 0.3);
  }
}

async function api(method, path, body) {
  const opt = { method, headers: {}, credentials: "same-origin" };
  if (body !== undefined) { opt.headers["Content-Type"] = "application/json"; opt.body = JSON.stringify(body); }
  const r = await fetch(path, opt);
  const data = await r.json().catch(() => ({}));
  if (r.status === 401) { showLogin(data.error); throw new Error(data.error); }
  if (!r.ok) throw new Error(data.error || r.statusText);
  return data;
}

function alarmCard(a, now, outcomes) {
  const card = el("div", { class: `alarm sev-${a.severity} state-${a.state}` + (a.test ? " test" : ""), "data-alarm": a.id, "data-site": a.site, "data-state": a.state });
  card.append(el("div", { class: "title" }, `${a.site}: ${a.message || a.sensor_kind || "alarm"} (${a.severity})`));
  const where = [a.room, a.sensor].filter(Boolean).join(", ");
  let meta = `raised ${fmtTime(a.raised)} (${age(a.raised, now)})` + (where ? ` · ${where}` : "");
  if (a.box_state !== "active") meta += ` · box: ${a.box_state}`;
  if (a.escalated) meta += " · ESCALATED";
  if (a.repeats) meta += " · " + msg("repeats", { n: a.repeats });
  if (a.reset) meta += " · " + (a.reset.confirmed ? msg("resetDone", { by: a.reset.by }) : a.reset.refused ? msg("resetRefused", { why: a.reset.refused }) : msg("resetWaiting", { by: a.reset.by }));
  if (a.state === "acknowledged") meta += ` · acknowledged by ${a.acked_by} ${age(a.acked, now)}` + " · " + (a.ack_told ? msg("boxTold") : a.ack_refused ? msg("boxRefused", { reason: a.ack_refused }) : msg("tellingBox"));
  card.append(el("div", { class: "meta" }, meta));
  const acts = el("div", { class: "actions" });
  if (a.state === "new") {
    const b = el("button", { class: "ack", textContent: "Acknowledge", "data-action": "ack" });
    b.onclick = () => act(() => api("POST", `/api/alarms/${encodeURIComponent(a.id)}/ack`));
    acts.append(b);
  } else if (a.state === "acknowledged") {
    const sel = el("select", { "data-field": "outcome" }, el("option", { value: "", textContent: "Outcome…" }), ...outcomes.map((o) => el("option", { value: o, textContent: o })));
    const note = el("input", { placeholder: "Note", "data-field": "note", size: 30 });
    const b = el("button", { class: "resolve", textContent: "Resolve", "data-action": "resolve" });
    b.onclick = () => act(() => api("POST", `/api/alarms/${encodeURIComponent(a.id)}/resolve`, { outcome: sel.value, note: note.value }));
    acts.append(sel, note, b);
  }
  // A latched alarm (smoke) stays active at the box after it is
  // acknowledged, until someone resets it.
  if (a.state !== "resolved" && a.box_state === "active" && (a.state === "acknowledged" || a.sensor_kind === "smoke")) {
    const r = el("button", { class: "reset", textContent: msg("reset"), "data-action": "reset" });
    r.onclick = () => { if (confirm(msg("resetAsk"))) act(() => api("POST", `/api/alarms/${encodeURIComponent(a.id)}/reset`)); };
    acts.append(r);
  }
  card.append(acts);
  return card;
}

async function act(fn) {
  try { await fn(); $("#link-state").textContent = ""; await refresh(); }
  catch (e) { $("#link-state").textContent = e.message; }
}

function rows(tbody, items, fn) {
  tbody.replaceChildren(...items.map(fn));
}

function render(st) {
  for (const k of ["alarms", "test_alarms", "recent", "homes", "outages", "maintenance", "gaps", "outcomes"]) st[k] = st[k] || [];
  $("#who").textContent = `Operator: ${st.operator}`;
  const offline = st.homes.filter((h) => !h.online);
  const fresh = st.alarms.filter((a) => a.state === "new");
  $("#summary").textContent = `${st.alarms.length} active alarm(s), ${fresh.length} new · ${offline.length} home(s) offline · ${st.maintenance.length} maintenance`;
  $("#alarms").replaceChildren(...(st.alarms.length ? st.alarms.map((a) => alarmCard(a, st.now, st.outcomes)) : [el("p", {}, "No active alarms.")]));
  $("#test-alarms").replaceChildren(...st.test_alarms.map((a) => alarmCard(a, st.now, st.outcomes)));
  rows($("#homes tbody"), st.homes, (h) => {
    const notes = [];
    if (h.open_gaps) notes.push(`${h.open_gaps} gap(s) being replayed`);
    const state = h.online ? "online" : `OFFLINE since ${fmtTime(h.silent_since || h.last_seen)}`;
    return el("tr", { class: h.online ? "online" : "offline", "data-site": h.site },
      el("td", {}, h.site), el("td", { class: "state" }, state), el("td", {}, h.last_seen ? age(h.last_seen, st.now) : "never"), el("td", {}, notes.join("; ")));
  });
  rows($("#maintenance tbody"), st.maintenance, (m) => el("tr", {}, el("td", {}, m.site), el("td", {}, m.sensor || "box"), el("td", {}, m.kind.replace("_", " ") + (m.message ? `: ${m.message}` : "")), el("td", {}, fmtTime(m.since))));
  rows($("#recent tbody"), st.recent, (a) => el("tr", {}, el("td", {}, a.site + (a.test ? " (test)" : "")), el("td", {}, a.message || a.sensor_kind), el("td", {}, `${a.acked_by} ${fmtTime(a.acked)}`), el("td", {}, `${a.resolved_by} ${fmtTime(a.resolved)}`), el("td", {}, a.outcome + (a.note ? `: ${a.note}` : ""))));

  let announce = false;
  for (const a of st.alarms) {
    if (!seen.has(a.id)) { seen.add(a.id); if (a.state === "new" && !first) announce = true; }
  }
  if (first && fresh.length) announce = true;
  first = false;
  if (announce) beep();
  document.title = fresh.length ? `(${fresh.length}) NEW ALARM – SafeHub` : "SafeHub alarm console";
}

async function refresh() {
  render(await api("GET", "/api/state"));
}

let stream = null;
function live() {
  if (stream) stream.close();
  stream = new EventSource("/api/events");
  stream.addEventListener("change", () => { $("#link-state").textContent = ""; refresh().catch(() => {}); });
  stream.onerror = () => { $("#link-state").textContent = "Connection to the center lost – retrying…"; };
}

function showLogin(msg) {
  if (stream) { stream.close(); stream = null; }
  $("#main-view").hidden = true;
  $("#login-view").hidden = false;
  $("#login-error").textContent = msg || "";
}

async function showMain() {
  $("#login-view").hidden = true;
  $("#main-view").hidden = false;
  first = true;
  await refresh();
  live();
}

document.addEventListener("DOMContentLoaded", () => {
  $("#login").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try { audio = audio || new AudioContext(); } catch (e) { audio = null; }
    try {
      await api("POST", "/api/login", { name: $("#name").value, password: $("#password").value });
      $("#password").value = "";
      await showMain();
    } catch (e) { $("#login-error").textContent = e.message; }
  });
  $("#logout").addEventListener("click", async () => { await api("POST", "/api/logout").catch(() => {}); showLogin(); });
  showMain().catch(() => showLogin());
});
