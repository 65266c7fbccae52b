"""The chat page: :data:`CHAT_HTML_TEMPLATE` and :func:`build_chat_html` that fills it in."""

from __future__ import annotations

import html

from flyte.ai.chat._css import DEFAULT_CSS

#: The page; ``$TITLE``, ``$CSS``, ``$LOGO``, ``$SUBTITLE`` and ``$ACTIONS`` are filled in. It
#: lists the tools (``/api/tools``) and nudges (``/api/nudges``) and streams ``/api/chat``.
CHAT_HTML_TEMPLATE = """\
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8" />
<meta name="viewport" content="width=device-width, initial-scale=1" />
<title>$TITLE</title>
<style>
$CSS
</style>
</head>
<body>
<aside><h2>Tools</h2><div id="tools"></div></aside>
<main>
<header>$LOGO<div><h1 style="margin:0;font-size:1.2rem">$TITLE</h1>$SUBTITLE</div></header>
<div id="messages"></div>
<div class="nudges" id="nudges"></div>
<div id="progress"></div>
<form id="chat-form">
<textarea id="input" rows="2" placeholder="Ask something..."></textarea>
<button class="primary" type="submit">Send</button>
$ACTIONS
</form>
</main>
<script>
const history = [];
const el = (tag, cls, text) => { const e = document.createElement(tag); if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text; return e; };
const messages = document.getElementById("messages");
const progress = document.getElementById("progress");
function addMessage(role, text, extra) {
  const box = el("div", "msg " + role); const bubble = el("div", "bubble", text); box.appendChild(bubble);
  if (extra && extra.error) bubble.appendChild(el("div", "error", extra.error));
  if (extra && extra.code) { const d = el("details"); d.appendChild(el("summary", "", "Code"));
    d.appendChild(el("pre", "", extra.code)); bubble.appendChild(d); }
  messages.appendChild(box); messages.scrollTop = messages.scrollHeight;
}
async function send(text) {
  if (!text.trim()) return;
  document.getElementById("nudges").innerHTML = "";
  addMessage("user", text);
  const payload = JSON.stringify({ message: text, history: history, stream: true });
  const response = await fetch("api/chat", {
    method: "POST", headers: { "Content-Type": "application/json" }, body: payload,
  });
  const reader = response.body.getReader(); const decoder = new TextDecoder(); let buffer = "";
  while (true) {
    const { value, done } = await reader.read(); if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let cut; while ((cut = buffer.indexOf("\\n")) >= 0) {
      const line = buffer.slice(0, cut); buffer = buffer.slice(cut + 1); if (!line.trim()) continue;
      const event = JSON.parse(line);
      if (event.type === "progress") {
        const turn = event.attempt ? " (turn " + event.attempt + "/" + event.max_attempts + ")" : "";
        progress.textContent = event.phase + turn;
      }
      if (event.type === "done") {
        progress.textContent = "";
        addMessage("assistant", event.summary, event);
        history.push({ role: "user", content: text }, { role: "assistant", content: event.summary || event.error });
      }
    }
  }
}
document.getElementById("chat-form").addEventListener("submit", (e) => { e.preventDefault();
  const input = document.getElementById("input"); const text = input.value; input.value = ""; send(text); });
fetch("api/tools").then((r) => r.json()).then((tools) => { const box = document.getElementById("tools");
  for (const t of tools) { const card = el("div", "tool-card");
  card.appendChild(el("div", "sig", t.signature)); card.appendChild(el("div", "", t.description));
  box.appendChild(card); } });
fetch("api/nudges").then((r) => r.json()).then((nudges) => { const box = document.getElementById("nudges");
  for (const n of nudges) { const b = el("button", "nudge", n.label); b.type = "button";
  b.onclick = () => send(n.prompt); box.appendChild(b); } });
</script>
</body>
</html>
"""


def build_chat_html(
    title: str = "Agent Chat",
    custom_css: str = "",
    logo_url: str | None = None,
    additional_buttons: list[dict[str, str]] | None = None,
    subtitle: str | None = None,
) -> str:
    """The chat page: ``custom_css`` comes after the default styles (so it wins), ``logo_url``
    is shown left of the title, and each ``{"button_text", "button_url"}`` of
    ``additional_buttons`` becomes a link next to *Send*.

    Raises:
        ValueError: a button misses ``button_text`` or ``button_url``.
    """
    actions = []
    for button in additional_buttons or []:
        if not button.get("button_text") or not button.get("button_url"):
            raise ValueError(f"chat buttons need 'button_text' and 'button_url', got {button!r}")
        actions.append(
            f'<a class="action" href="{html.escape(button["button_url"])}" target="_blank" rel="noopener">'
            f"{html.escape(button['button_text'])}</a>"
        )
    logo = f'<img class="header-logo" src="{html.escape(logo_url)}" alt="logo" />' if logo_url else ""
    sub = f'<p class="app-description">{html.escape(subtitle)}</p>' if subtitle else ""
    css = DEFAULT_CSS + (f"\n/* overrides */\n{custom_css}" if custom_css else "")
    return (
        CHAT_HTML_TEMPLATE.replace("$CSS", css)
        .replace("$TITLE", html.escape(title))
        .replace("$LOGO", logo)
        .replace("$SUBTITLE", sub)
        .replace("$ACTIONS", "".join(actions))
    )
