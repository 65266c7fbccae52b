"""The run page's action tree: groups as folders, large fan-outs collapsed to counts."""

from __future__ import annotations

from flyte.server.ui.source import ActionRow
from flyte.server.ui.tree import EXPAND_PAGE, FANOUT_LIMIT, build_tree, parse_expanded


def _row(name: str, parent: str | None, phase: str = "SUCCEEDED", group: str | None = None) -> ActionRow:
    return ActionRow(name, parent, f"env.{name}", "task", group, phase, 1, None, 0.0, 0.0, 1.0)


def test_children_nest_under_their_parent_and_groups_are_folders() -> None:
    rows = [_row("a0", None), _row("a1", "a0"), _row("a2", "a0", group="stage"), _row("a3", "a2")]
    tree = build_tree(rows, "a3", {})
    (root,) = tree.roots
    assert root.action is not None and root.action.name == "a0"
    direct, folder = root.children
    assert direct.kind == "action" and direct.action is not None and direct.action.name == "a1"
    assert folder.kind == "group" and folder.label == "stage" and folder.total == 1
    (member,) = folder.children
    assert member.action is not None and member.action.name == "a2"
    assert [c.action.name for c in member.children if c.action] == ["a3"]
    assert tree.total == 4


def test_a_large_fanout_is_collapsed_to_counts_by_phase() -> None:
    children = [_row(f"c{i}", "a0", "FAILED" if i % 10 == 0 else "SUCCEEDED") for i in range(FANOUT_LIMIT * 3)]
    tree = build_tree([_row("a0", None), *children], "a0", {})
    (fanout,) = tree.roots[0].children
    assert fanout.kind == "fanout"
    assert fanout.total == FANOUT_LIMIT * 3
    assert dict(fanout.counts) == {"FAILED": 15, "SUCCEEDED": 135}
    assert fanout.counts[0][0] == "FAILED"  # what needs attention first


def test_the_selected_action_stays_visible_inside_a_collapsed_fanout() -> None:
    children = [_row(f"c{i}", "a0") for i in range(FANOUT_LIMIT + 10)]
    tree = build_tree([_row("a0", None), *children], "c57", {})
    kinds = [(n.kind, n.action.name if n.action else None) for n in tree.roots[0].children]
    assert kinds == [("fanout", None), ("action", "c57")]


def test_an_expanded_fanout_shows_a_page_and_offers_more() -> None:
    children = [_row(f"c{i}", "a0") for i in range(EXPAND_PAGE + 20)]
    tree = build_tree([_row("a0", None), *children], None, {"a0": EXPAND_PAGE})
    nodes = tree.roots[0].children
    assert [n.kind for n in nodes].count("action") == EXPAND_PAGE
    assert nodes[-1].kind == "more" and nodes[-1].shown == EXPAND_PAGE and nodes[-1].total == EXPAND_PAGE + 20


def test_a_group_fanout_is_keyed_by_parent_and_group() -> None:
    children = [_row(f"c{i}", "a0", group="g") for i in range(FANOUT_LIMIT + 1)]
    collapsed = build_tree([_row("a0", None), *children], None, {})
    assert collapsed.roots[0].children[0].children[0].key == "a0/g"
    expanded = build_tree([_row("a0", None), *children], None, {"a0/g": EXPAND_PAGE})
    assert len(expanded.roots[0].children[0].children) == FANOUT_LIMIT + 1


def test_an_orphan_is_shown_at_the_top_rather_than_lost() -> None:
    tree = build_tree([_row("a0", None), _row("x", "missing-parent")], None, {})
    assert [n.action.name for n in tree.roots if n.action] == ["a0", "x"]


def test_expand_values_are_parsed_and_bounded() -> None:
    assert parse_expanded(["a0:1000", "a0/g", "p:junk", "q:5"]) == {
        "a0": 1000,
        "a0/g": EXPAND_PAGE,
        "p:junk": EXPAND_PAGE,  # a group name may hold a colon
        "q": EXPAND_PAGE,
    }
