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

_PROTOBUF = "protobuf views of the server's records: there is no protobuf here; to_dict/to_json give the data"
_SERVED_APPS = "apps are served locally only: no server hosts them yet, so nothing deploys or proxies one"
_CONTAINERS = "tasks run as processes here: there is no container runtime to run a container or a shell image in"

#: Regular expressions over the gap lines of bench/sdk_surface.py, each with why it is a gap.
KNOWN_GAPS: dict[str, str] = {
    r"flyte\.remote\.\w+(: parameter pb2|\.pb2:)": _PROTOBUF,
    r"flyte\.remote\.\w+\.(input_literals|output_literals|typed_inputs|typed_outputs):": _PROTOBUF,
    r"flyte\.artifacts\.(ArtifactKey|ArtifactVersionId)\.[A-Z]\w*:": _PROTOBUF,
    r"flyte\.remote\.(App|Artifact|PartitionSchema)\b": _SERVED_APPS + "; nor artifacts",
    r"flyte\.app\.(AppEnvironment|ConnectorEnvironment)\.container_cmd\b": _SERVED_APPS,
    r"flyte\.(app\.extras\.FastAPIAppEnvironment|ai\.chat\.AgentChatAppEnvironment)\.container_(cmd|command)\b": (
        _SERVED_APPS
    ),
    r"flyte\.app\.extras\.(FastAPIPassthroughAuthMiddleware|FlyteWebhookAppEnvironment)\b": _SERVED_APPS,
    r"flyte\.app\.(AppEndpoint|ArtifactValue|RunOutput)\.": (
        "app parameter sources are small dataclasses here, not pydantic models; a server would resolve them"
    ),
    r"flyte\.extras\.(ContainerTask|shell|model_streamer|webhooks)\b": _CONTAINERS,
    r"flyte\.connectors\.ConnectorService\b": "the gRPC connector service; connectors run in the local engine",
    r"flyte\.ai\.agents\.(LLMCallable|ToolCallHandler): parameter \*": "Callable aliases, with no signature",
    r"flyte\.remote\.(Run\.(name|url)|Action\.run_name):": "instance attributes here, not class members",
    r"flyte\.remote\.(Run|Action|ActionDetails)\.(code_bundle|download_code|get_debug_url)\b": (
        "code bundles are the server's; `flyte deploy` and runs upload them, nothing downloads them"
    ),
    r"flyte\.remote\.(Action|ActionDetails|RunDetails|Trigger)\.(action_id|relation|id|raw_phase)\b": (
        "identifiers of the real SDK's server: runs and actions are named by run name and action name here"
    ),
    r"flyte\.remote\.(ActionDetails|RunDetails|Trigger)\.(get|get_details|details|watch|watch_updates)\b": (
        "details come from Run.details()/Action.details(), watched with Run.watch()"
    ),
    r"flyte\.remote\.Trigger: parameter details\b": "details come from Trigger.get",
    r"flyte\.remote\.ActionDetails\.(abort_info|initializing_time|logs_available|metadata|phase_durations|"
    r"running_time|status|waiting_for_resources_time):": "the details carry attempts and phase transitions instead",
    r"flyte\.remote\.(ActionInputs|ActionOutputs|SecretTypes|Settings|TaskDetails|TriggerDetails|User|"
    r"auth_metadata)\b": (
        "types of the real SDK's server API; inputs() and outputs() return dicts and tuples, whoami tells the user"
    ),
    r"flyte\.remote\.Project\.(archive|unarchive|update)\b": "projects are created and listed; not archived yet",
    r"flyte\.remote\.Run\.first_failure\b": "Run.details() lists every action's error",
    r"flyte\.remote\.Task\.entrypoint\b": "deployed tasks run from their module; there is no entrypoint flag",
    r"flyte\.ImageBuild(: parameter build_run|\.build_run)\b": _SERVER_FEATURES,
    r"flyte\.build_images: parameter (copy_style|seed_cache)\b": "builds here ship no code and keep no seed cache",
    r"flyte\.PodTemplate\.": _KUBERNETES,
    r"flyte\.(BaseCheckpoint|load_interactive_ctx|load_plugin_config)\b": "internal helpers of the real SDK",
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
