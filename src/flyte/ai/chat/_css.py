"""The chat page's styles: :data:`DEFAULT_CSS`, and :data:`CUSTOM_THEME_CSS_TEMPLATE` that a
:class:`~flyte.ai.chat.CustomTheme` fills in. Colours are CSS variables, so a theme only sets them."""

from __future__ import annotations

DEFAULT_CSS = """\
:root { --accent: #6F2AEF; --accent-hover: #8B52F2; --button-text: #f3f4f6;
  --accent-soft: rgba(111, 42, 239, 0.1); }
* { box-sizing: border-box; }
body { margin: 0; font-family: system-ui, sans-serif; background: #0f1115; color: #e5e7eb; display: flex;
  height: 100vh; }
aside { width: 300px; overflow-y: auto; border-right: 1px solid #262a33; padding: 1rem; }
aside h2 { font-size: 0.9rem; text-transform: uppercase; opacity: 0.7; }
.tool-card { border: 1px solid #262a33; border-radius: 8px; padding: 0.5rem; margin-bottom: 0.5rem; }
.tool-card .sig { color: var(--accent); font-family: monospace; font-size: 0.8rem; }
main { flex: 1; display: flex; flex-direction: column; }
header { padding: 1rem; border-bottom: 1px solid #262a33; display: flex; align-items: center; gap: 0.75rem; }
.header-logo { height: 32px; }
.app-description { margin: 0.25rem 0 0; opacity: 0.7; }
#messages { flex: 1; overflow-y: auto; padding: 1rem; }
.msg { margin-bottom: 1rem; }
.msg .bubble { border: 1px solid #262a33; border-radius: 10px; padding: 0.75rem; white-space: pre-wrap; }
.msg.user .bubble { background: var(--accent-soft); border-color: var(--accent); }
.msg .error { color: #f87171; }
.msg details summary { color: var(--accent); cursor: pointer; }
.nudges { display: flex; flex-wrap: wrap; gap: 0.5rem; padding: 0 1rem; }
.nudge { border: 1px solid var(--accent); border-radius: 8px; padding: 0.5rem; cursor: pointer;
  background: none; color: inherit; }
form { display: flex; gap: 0.5rem; padding: 1rem; border-top: 1px solid #262a33; }
textarea { flex: 1; resize: none; background: #161922; color: inherit; border: 1px solid #262a33;
  border-radius: 8px; padding: 0.5rem; }
button.primary, a.action { background: var(--accent); color: var(--button-text); border: none;
  border-radius: 8px; padding: 0.5rem 1rem; cursor: pointer; text-decoration: none; }
button.primary:hover, a.action:hover { background: var(--accent-hover); }
#progress { padding: 0 1rem; opacity: 0.7; font-size: 0.85rem; min-height: 1.2rem; }
"""

#: Filled in by ``CustomTheme.to_css`` with ``accent``, ``accent_hover``, ``button_text`` and
#: ``accent_soft`` (the accent at low opacity).
CUSTOM_THEME_CSS_TEMPLATE = """\
:root {{ --accent: {accent}; --accent-hover: {accent_hover}; --button-text: {button_text};
  --accent-soft: {accent_soft}; }}
"""
