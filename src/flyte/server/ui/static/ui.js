// flyte UI: live updates (server-sent events), abort, rerun, condition values, timeline zoom and
// keyboard shortcuts.
// Content from the server is only ever inserted as text, or as HTML rendered (and escaped) by
// the server's own templates.
"use strict";

(function () {
  const main = document.getElementById("main");
  if (!main) return;
  const status = document.getElementById("live-status");
  let zoom = 1;
  let refreshing = false;
  let again = false;

  function openDetails() {
    const open = new Set();
    document.querySelectorAll("[data-live] details[id][open], [data-live] details[data-key]").forEach((d) => {
      if (d.id && d.open) open.add("#" + d.id);
      if (d.dataset.key) open.add((d.open ? "open:" : "closed:") + d.dataset.key);
    });
    return open;
  }

  function restoreDetails(open) {
    document.querySelectorAll("[data-live] details[id]").forEach((d) => {
      if (open.has("#" + d.id)) d.open = true;
    });
    document.querySelectorAll("[data-live] details[data-key]").forEach((d) => {
      if (open.has("open:" + d.dataset.key)) d.open = true;
      if (open.has("closed:" + d.dataset.key)) d.open = false;
    });
  }

  async function refresh() {
    const url = main.dataset.fragment;
    if (!url) return;
    if (refreshing) { again = true; return; }
    refreshing = true;
    try {
      const response = await fetch(url, { credentials: "same-origin", cache: "no-store" });
      if (!response.ok) return;
      const template = document.createElement("template");
      template.innerHTML = await response.text();
      const open = openDetails();
      const reportBefore = document.getElementById("detail")?.dataset.reportVersion;
      template.content.querySelectorAll("[data-live][id]").forEach((fresh) => {
        const old = document.getElementById(fresh.id);
        if (!old) return;
        keepSignalForms(old, fresh);
        old.replaceWith(fresh);
      });
      restoreDetails(open);
      applyZoom();
      const reportAfter = document.getElementById("detail")?.dataset.reportVersion;
      if (reportAfter !== reportBefore) reloadReport(reportAfter);
      await pollLogs();
    } finally {
      refreshing = false;
      if (again) { again = false; refresh(); }
    }
  }

  // A value being typed, and the error of the last one sent, outlive the swap of their section.
  function keepSignalForms(old, fresh) {
    old.querySelectorAll("form[data-signal]").forEach((form) => {
      const twin = Array.from(fresh.querySelectorAll("form[data-signal]")).find((f) => f.dataset.signal === form.dataset.signal);
      if (twin) twin.replaceWith(form);
    });
  }

  function signalValue(form, submitter) {
    const type = form.dataset.type;
    if (type === "bool") return submitter?.value === "true";
    const text = form.elements.value.value;
    if (type === "str") return text;
    // An empty or unreadable number goes as typed: the server names the type it expects.
    return text.trim() !== "" && Number.isFinite(Number(text)) ? Number(text) : text;
  }

  function postJson(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
  }

  function showProblem(element, text) {
    element.textContent = text;
    element.hidden = false;
  }

  async function problemOf(response) {
    const problem = await response.json().catch(() => ({}));
    const detail = problem.detail;
    if (typeof detail === "string") return detail;
    if (Array.isArray(detail) && detail.length) return detail.map((d) => d.msg).join("; ");
    return "the server answered " + response.status;
  }

  document.addEventListener("submit", async (event) => {
    const form = event.target.closest("form[data-signal]");
    if (!form) return;
    event.preventDefault();
    const error = form.querySelector("[data-signal-error]");
    const buttons = form.querySelectorAll("button");
    const value = signalValue(form, event.submitter);
    buttons.forEach((b) => { b.disabled = true; });
    try {
      const response = await postJson(form.dataset.signal, { value: value });
      if (response.ok) {
        error.hidden = true;
        refresh();
        return;
      }
      showProblem(error, "Not sent: " + await problemOf(response));
    } catch (e) {
      showProblem(error, "Not sent: " + e.message);
    } finally {
      buttons.forEach((b) => { b.disabled = false; });
    }
  });

  async function rerun(button) {
    const error = document.getElementById("rerun-error");
    button.disabled = true;
    try {
      const response = await postJson(button.dataset.rerun, { recover: button.hasAttribute("data-recover") });
      if (response.ok) {
        const run = await response.json();
        window.location.assign("/runs/" + encodeURIComponent(run.name));
        return;
      }
      showProblem(error, "Could not start a new run: " + await problemOf(response));
    } catch (e) {
      showProblem(error, "Could not start a new run: " + e.message);
    }
    button.disabled = false;
  }

  function reloadReport(version) {
    // A new frame rather than a new src: changing src would add a history entry, and the
    // browser's back button would then step through report versions instead of pages.
    const frame = document.getElementById("report-frame");
    if (!frame) return;
    const fresh = frame.cloneNode(false);
    fresh.src = frame.dataset.src + "?v=" + encodeURIComponent(version || "");
    frame.replaceWith(fresh);
  }

  async function pollLogs() {
    const pre = document.getElementById("log-lines");
    if (!pre) return;
    const base = pre.dataset.logs;
    const sep = base.includes("?") ? "&" : "?";
    const response = await fetch(base + sep + "after=" + pre.dataset.after, { credentials: "same-origin", cache: "no-store" });
    if (!response.ok) return;
    const body = await response.json();
    const atBottom = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
    for (const line of body.lines) {
      const span = document.createElement("span");
      span.className = line.stream === "stderr" ? "stderr" : "stdout";
      span.textContent = line.text + "\n";
      pre.appendChild(span);
    }
    pre.dataset.after = String(body.next);
    if (atBottom) pre.scrollTop = pre.scrollHeight;
  }

  function listen() {
    const url = main.dataset.events;
    if (!url || !window.EventSource) {
      if (status) status.hidden = true;
      return;
    }
    const source = new EventSource(url);
    source.addEventListener("open", () => { status?.classList.add("on"); refresh(); });
    source.addEventListener("error", () => status?.classList.remove("on"));
    source.addEventListener("change", refresh);
  }

  document.addEventListener("click", async (event) => {
    const button = event.target.closest("[data-abort]");
    if (button) {
      if (!window.confirm("Abort this run? Its running actions are stopped.")) return;
      button.disabled = true;
      const response = await postJson(button.dataset.abort, { reason: "Aborted from the UI" });
      if (!response.ok) {
        button.disabled = false;
        window.alert("Could not abort: " + await problemOf(response));
      }
      refresh();
      return;
    }
    const rerunButton = event.target.closest("[data-rerun]");
    if (rerunButton) { rerun(rerunButton); return; }
    if (event.target.closest("[data-zoom-in]")) { zoom = Math.min(zoom * 2, 64); applyZoom(); event.preventDefault(); }
    if (event.target.closest("[data-zoom-out]")) { zoom = Math.max(zoom / 2, 1); applyZoom(); event.preventDefault(); }
    if (event.target.closest("[data-zoom-reset]")) { zoom = 1; applyZoom(); event.preventDefault(); }
  });

  function applyZoom() {
    const inner = document.querySelector("[data-zoom]");
    if (inner) inner.style.width = (zoom * 100) + "%";
  }

  document.addEventListener("keydown", (event) => {
    const typing = /^(INPUT|SELECT|TEXTAREA)$/.test(document.activeElement?.tagName || "");
    if (typing || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "/") {
      const search = document.querySelector("[data-hotkey='/']");
      if (search) { event.preventDefault(); search.focus(); }
    } else if (event.key === "j" || event.key === "k") {
      const nodes = Array.from(document.querySelectorAll("[data-node], table.runs tbody a"));
      if (!nodes.length) return;
      const current = nodes.indexOf(document.activeElement);
      const start = current >= 0 ? current : nodes.findIndex((n) => n.classList.contains("selected"));
      const next = Math.max(0, Math.min(nodes.length - 1, start + (event.key === "j" ? 1 : -1)));
      nodes[next].focus();
      event.preventDefault();
    }
  });

  listen();
  const logs = document.getElementById("log-lines");
  if (logs) logs.scrollTop = logs.scrollHeight;
})();
