"""MemoryStore: the conversation across runs, files by path, guarded writes, save and reload."""

from __future__ import annotations

import asyncio

import pytest

from flyte.ai.agents import AccessDenied, Agent, ConcurrencyError, LLMMessage, MemoryStore, MemoryStoreError
from tests.unit.ai.scripted import ScriptedLLM


def test_agent_runs_append_to_the_store_and_it_survives_a_save() -> None:
    store = MemoryStore.get_or_create(key="triage")
    agent = Agent(call_llm=ScriptedLLM([LLMMessage(content="noted")]))
    result = agent.run("remember 42", memory=store)
    assert result.memory is store
    assert store.messages == [
        {"role": "user", "content": "remember 42"},
        {"role": "assistant", "content": "noted"},
    ]
    store.write_json("facts/answer.json", {"value": 42}, actor="test", reason="told so")
    store.save()

    again = MemoryStore.get_or_create(key="triage")
    assert again.messages == store.messages
    assert again.read_json("facts/answer.json") == {"value": 42}
    assert again.list_paths() == ["facts/answer.json"]
    llm = ScriptedLLM([LLMMessage(content="42")])
    Agent(call_llm=llm).run("what was it?", memory=again)
    assert llm.requests[0]["messages"][:2] == store.messages
    assert again.exists("facts/answer.json") and not again.exists("facts/other.json")
    assert asyncio.run(MemoryStore.exists(key="triage")) and not asyncio.run(MemoryStore.exists(key="other"))
    with pytest.raises(MemoryStoreError, match="exists already"):
        MemoryStore.create(key="triage")


def test_writes_are_guarded_audited_and_versioned() -> None:
    store = MemoryStore(key="guarded", read_only_prefixes=("memory/",), keep_versions=True)
    meta = store.write_text("user/notes.txt", "one")
    assert store.current_sha("user/notes.txt") == meta.sha256
    with pytest.raises(ConcurrencyError):
        store.write_text("user/notes.txt", "two", expected_sha="0" * 64)
    store.write_text("user/notes.txt", "two", expected_sha=meta.sha256)
    assert store.read_text("user/notes.txt") == "two"
    assert store.read_text("missing.txt", default="-") == "-"
    with pytest.raises(AccessDenied):
        store.write_text("memory/core.txt", "x")
    with pytest.raises(AccessDenied):
        store.write_text("messages.json", "[]")
    with pytest.raises(MemoryStoreError, match="inside the store"):
        store.write_text("../escape.txt", "x")
    assert [e["op"] for e in store.audit_tail_sync()] == ["create", "update"]
    got = store.get_meta("user/notes.txt")
    assert got is not None and got.bytes == 3
    with pytest.raises(MemoryStoreError, match="one path segment"):
        MemoryStore(key="a/b")
