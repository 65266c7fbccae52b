"""The public surface against the real SDK's, pinned in ``data/sdk_surface.json`` (made by
``bench/sdk_surface.py`` with the interpreter of ``flyte==2.12.1``).

Every module, name, parameter and class member of the pin must exist here, except the gaps
listed below with their reasons. A name that goes missing fails the test, and so does a listed
gap that has since been closed, so that the list stays true.
"""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parents[2]
PINNED = Path(__file__).with_name("data") / "sdk_surface.json"

_SERVER_FEATURES = "a server feature not built yet (apps, deployments, artifacts)"
_PYDANTIC_V1 = (
    "deprecated pydantic v1 names and pydantic internals: File, Dir and DataFrame offer the pydantic v2 "
    "model API without being BaseModel subclasses, to stay cheap to create"
)
_KUBERNETES = "Kubernetes pod specifics; tasks here run as processes, not pods"

#: Regular expressions over the gap lines of bench/sdk_surface.py, each with why it is a gap.
KNOWN_GAPS: dict[str, str] = {
    r"flyte\.(AppHandle|serve|with_servecontext)\b": _SERVER_FEATURES,
    r"flyte\.(OnArtifact|TriggeredArtifact|TriggeredPartition)\b": _SERVER_FEATURES,
    r"flyte\.ImageBuild(: parameter build_run|\.build_run)\b": _SERVER_FEATURES,
    r"flyte\.build_images: parameter (copy_style|seed_cache)\b": "builds here ship no code and keep no seed cache",
    r"flyte\.PodTemplate\.": _KUBERNETES,
    r"flyte\.TaskEnvironment\.sandbox\b": "sandboxed environments are not built",
    r"flyte\.(BaseCheckpoint|load_interactive_ctx|load_plugin_config)\b": "internal helpers of the real SDK",
    r"flyte\.models\.NativeInterface: parameter (outputs|docstring)\b": (
        "the interface is built from a function or from_types(); its constructor takes the output type"
    ),
    r"flyte\.models\.TaskContext: parameter group_data\b": "the context's group is the field `group`",
    r"flyte\.io\.(File|Dir|EmptyDir|DataFrame)\.(Config|construct|copy|dict|from_orm|json|parse_file|parse_obj|"
    r"parse_raw|schema|schema_json|update_forward_refs|validate|model_parametrized_name|model_rebuild):": _PYDANTIC_V1,
    r"flyte\.io\.extend\.DataFrameTransformerEngine\.": (
        "dataframe handlers register with the engine; its transformer methods are the type engine's own"
    ),
}


def _surface_tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("sdk_surface", REPO / "bench" / "sdk_surface.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_public_surface_covers_the_real_sdk() -> None:
    tool = _surface_tool()
    gaps = tool.differences(json.loads(PINNED.read_text()), tool.surface())
    unexplained = [gap for gap in gaps if not any(re.search(p, gap) for p in KNOWN_GAPS)]
    assert unexplained == [], "names of the real SDK missing here:\n" + "\n".join(unexplained)
    stale = [p for p in KNOWN_GAPS if not any(re.search(p, gap) for gap in gaps)]
    assert stale == [], f"these listed gaps are closed now; remove them from KNOWN_GAPS: {stale}"


def test_the_pin_covers_the_modules_users_import() -> None:
    pinned = json.loads(PINNED.read_text())
    assert set(pinned) == set(_surface_tool().MODULES)
    assert {"TaskEnvironment", "run", "with_runcontext", "init"} <= set(pinned["flyte"])
