"""flyte.ai.chat: a chat web app for any agent (:class:`AgentChatAppEnvironment`), with its page
(:func:`build_chat_html`) and colours (:class:`CustomTheme`). Needs ``fastapi`` and ``uvicorn``."""

from flyte.ai.chat._css import CUSTOM_THEME_CSS_TEMPLATE, DEFAULT_CSS
from flyte.ai.chat._html import CHAT_HTML_TEMPLATE, build_chat_html
from flyte.ai.chat.app import AgentChatAppEnvironment, CustomTheme

__all__ = [
    "CHAT_HTML_TEMPLATE",
    "CUSTOM_THEME_CSS_TEMPLATE",
    "DEFAULT_CSS",
    "AgentChatAppEnvironment",
    "CustomTheme",
    "build_chat_html",
]
