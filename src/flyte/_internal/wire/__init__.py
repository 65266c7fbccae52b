"""The HTTP contract between the server and its clients (SDK, CLI, workers).

Every request and response body of the API is one of these pydantic models; the server's
OpenAPI document is generated from them. Binary payloads (encoded inputs and outputs, which are
msgpack or a reference to an offloaded blob) travel base64-encoded.

Endpoints (all under ``/api/v1``; errors are ``{"detail": "..."}`` with a 4xx or 5xx status):

==========  ===========================================  ======================================
method      path                                         body -> response
==========  ===========================================  ======================================
GET         /info                                        -> ServerInfo
HEAD, GET   /bundles/{hash}                              -> tar.gz bytes (404 when unknown)
PUT         /bundles/{hash}                              tar.gz bytes -> 204 (400: refused; 413)
POST        /images                                      BuildImageRequest -> BuiltImageInfo (400: the build failed)
POST        /secrets                                     SecretWrite -> SecretInfo (201 new, 200 replaced; 400, 413)
GET         /secrets?name&org&project&domain             -> list[SecretInfo] (never values)
GET         /secrets/{name}?org&project&domain           -> SecretInfo of exactly that scope (404)
DELETE      /secrets/{name}?org&project&domain           -> 204 (404 when there is none)
POST        /api-keys                                    ApiKeyCreate -> ApiKeyCreated (201; 400, 403, 409)
GET         /api-keys                                    -> list[ApiKeyInfo] (403), never the keys
DELETE      /api-keys/{name}                             -> 204 (403, 404)
GET         /whoami                                      -> WhoAmI
POST        /projects                                    ProjectCreate -> ProjectInfo (201; 400, 403, 409)
GET         /projects                                    -> list[ProjectInfo]
GET         /projects/{project}                          -> ProjectInfo (404)
POST        /runs                                        CreateRunRequest -> RunInfo (201; 400, 409, 413)
GET         /runs?project&domain&phase&task&limit&...    -> list[RunInfo], newest first (or by sort_by, order)
GET         /runs/{run}                                  -> RunInfo (404 when unknown)
GET         /runs/{run}/wait?timeout=30                  -> RunInfo once ended, or at the timeout
POST        /runs/{run}/abort                            AbortRequest? -> RunInfo (404; 409: it ended otherwise)
POST        /runs/{run}/rerun                            RerunRequest -> RunInfo (201; 400, 404, 409)
GET         /runs/{run}/changes?phase&timeout            -> RunInfo once its phase is not ``phase`` (404)
GET         /runs/{run}/actions/{action}/transitions     -> list[PhaseTransition], oldest first (404)
GET         /runs/{run}/actions/{action}/changes?phase   -> ActionInfo once its phase is not ``phase`` (404)
POST        /runs/{run}/conditions                       CreateCondition -> ConditionInfo (401, 403, 404, 409)
GET         /runs/{run}/conditions?action                -> list[ConditionInfo] (404)
GET         /runs/{run}/conditions/{name}                -> ConditionInfo (404)
GET         /runs/{run}/conditions/{name}/wait?timeout   -> ConditionInfo once ended, or at the timeout (404)
POST        /runs/{run}/conditions/{name}/signal         SignalRequest -> ConditionInfo (400, 404, 409)
GET         /runs/{run}/actions                          -> list[ActionInfo]
GET         /runs/{run}/actions/{action}                 -> ActionDetail
GET         /runs/{run}/actions/{action}/logs?after&wait -> LogChunk (long-polls up to ``wait`` s)
GET         /runs/{run}/actions/{action}/attempts        -> list[AttemptInfo], first to last (404)
POST        /runs/{run}/actions                          CreateActionsRequest -> list[ActionState] (401, 403)
POST        /runs/{run}/actions/wait                     WaitRequest -> list[ActionState] (ended)
POST        /runs/{run}/actions/{action}/abort           AbortRequest? -> ActionInfo (404; 409 as above)
POST        /tasks                                       DeployTaskRequest -> TaskInfo (201; 200 same; 400, 403, 409)
GET         /tasks?project&domain&name&environment&limit -> list[TaskInfo], newest first
GET         /tasks/{name}?project&domain&version         -> TaskInfo, the newest without version (404)
POST        /triggers                                    CreateTriggerRequest -> TriggerInfo (201; 400, 403, 404, 409)
GET         /triggers?project&domain&task&limit          -> list[TriggerInfo]
GET         /triggers/{task}/{name}?project&domain       -> TriggerInfo (404)
PATCH       /triggers/{task}/{name}?project&domain       TriggerUpdate -> TriggerInfo (400, 404)
DELETE      /triggers/{task}/{name}?project&domain       -> 204 (404)
GET         /attempts/{run}/{action}/{attempt}           -> AttemptSpec (401, 403, 404, 409)
POST        /attempts/{run}/{action}/{attempt}/heartbeat Heartbeat -> 204 (401, 403, 409: attempt is over)
POST        /attempts/{run}/{action}/{attempt}/logs      LogBatch -> 204 (401, 403, 404, 413)
POST        /attempts/{run}/{action}/{attempt}/report    ReportUpdate -> 204 (401, 403, 404)
POST        /attempts/{run}/{action}/{attempt}/complete  CompleteAttempt -> 204 (401, 403, 409)
==========  ===========================================  ======================================

Authentication: a server started with ``--auth`` answers every route (the OpenAPI document
and docs pages too; not ``/login`` and ``/static/``) with 401, ``WWW-Authenticate: Bearer`` and
``{"detail": ...}`` unless the request carries an API key, ``Authorization: Bearer <key>`` or the
``flyte_token`` cookie, or (a worker, on its own run's ``/runs/{run}`` and ``/attempts/{run}``
routes) its attempt token. A key scoped to one project sees only that project: another project's
run (and its actions, logs, data) is 404, listings leave other projects out, a write elsewhere is
403, and key and project administration is 403. See ``flyte.server.auth``.

Creating actions is idempotent: an action that exists already (a parent running again) is not
created twice, and its current state is returned, with outputs when it has succeeded.

A condition is an action (kind ``condition``) that stays PAUSED until someone signals it a
value of its type, or TIMED_OUT once its timeout passes; ``{name}`` is its action name or, when
that is unambiguous in the run, the name its task gave it. Only the worker of its parent creates
it (again: the same one is returned).

Workers only: creating actions and every ``/attempts`` route need the attempt's token in the
``X-Flyte-Attempt-Token`` header (401 without it, 403 with another one): the server gives each
attempt's worker its own token, so no other client can report on an attempt or add children to
it. Every number is finite and bounded (422 names the field otherwise); names and values that are
stored must not contain NUL characters, while free text (log lines, reports, error messages) has
them replaced.
"""

from __future__ import annotations

from flyte._internal.wire.access import (
    API_KEY_HEADER,
    API_KEY_NAME_PATTERN,
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyInfo,
    ProjectCreate,
    ProjectInfo,
    WhoAmI,
)
from flyte._internal.wire.attempts import (
    AttemptSpec,
    CompleteAttempt,
    Heartbeat,
    LogBatch,
    LogChunk,
    LogLine,
    ReportUpdate,
    ServerInfo,
    StoredLogLine,
)
from flyte._internal.wire.base import (
    API_PREFIX,
    ATTEMPT_TOKEN_ENV,
    ATTEMPT_TOKEN_HEADER,
    MAX_BACKOFF_S,
    MAX_CPU,
    MAX_GPUS,
    MAX_INT32,
    MAX_MEMORY_BYTES,
    MAX_TIMEOUT_S,
    MAX_TIMESTAMP,
    MAX_WAIT_S,
    NAME_PATTERN,
    TERMINAL_PHASES,
    TEXT_PATTERN,
    FreeText,
    Payload,
    Phase,
)
from flyte._internal.wire.conditions import ConditionInfo, ConditionType, ConditionValue, CreateCondition, SignalRequest
from flyte._internal.wire.deploy import (
    TASK_NAME_PATTERN,
    VERSION_PATTERN,
    CreateTriggerRequest,
    DeployTaskRequest,
    InputSpec,
    InterfaceSpec,
    TaskInfo,
    TriggerInfo,
    TriggerSpec,
    TriggerUpdate,
)
from flyte._internal.wire.runs import (
    MAX_ABORT_REASON,
    AbortRequest,
    ActionDetail,
    ActionInfo,
    ActionState,
    AttemptInfo,
    CreateAction,
    CreateActionsRequest,
    CreateRunRequest,
    PhaseTransition,
    RerunRequest,
    RunInfo,
    RunSortKey,
    WaitRequest,
)
from flyte._internal.wire.secrets import MAX_SECRET_BYTES, SECRET_NAME_PATTERN, SecretInfo, SecretWrite
from flyte._internal.wire.tasks import (
    BuildImageRequest,
    BuiltImageInfo,
    ErrorInfo,
    ImageSpec,
    ImageStep,
    ImageStepKind,
    ReuseSpec,
    SecretSpec,
    TaskSpec,
)

__all__ = [
    "API_KEY_HEADER",
    "API_KEY_NAME_PATTERN",
    "API_PREFIX",
    "ATTEMPT_TOKEN_ENV",
    "ATTEMPT_TOKEN_HEADER",
    "MAX_ABORT_REASON",
    "MAX_BACKOFF_S",
    "MAX_CPU",
    "MAX_GPUS",
    "MAX_INT32",
    "MAX_MEMORY_BYTES",
    "MAX_SECRET_BYTES",
    "MAX_TIMEOUT_S",
    "MAX_TIMESTAMP",
    "MAX_WAIT_S",
    "NAME_PATTERN",
    "SECRET_NAME_PATTERN",
    "TASK_NAME_PATTERN",
    "TERMINAL_PHASES",
    "TEXT_PATTERN",
    "VERSION_PATTERN",
    "AbortRequest",
    "ActionDetail",
    "ActionInfo",
    "ActionState",
    "ApiKeyCreate",
    "ApiKeyCreated",
    "ApiKeyInfo",
    "AttemptInfo",
    "AttemptSpec",
    "BuildImageRequest",
    "BuiltImageInfo",
    "CompleteAttempt",
    "ConditionInfo",
    "ConditionType",
    "ConditionValue",
    "CreateAction",
    "CreateActionsRequest",
    "CreateCondition",
    "CreateRunRequest",
    "CreateTriggerRequest",
    "DeployTaskRequest",
    "ErrorInfo",
    "FreeText",
    "Heartbeat",
    "ImageSpec",
    "ImageStep",
    "ImageStepKind",
    "InputSpec",
    "InterfaceSpec",
    "LogBatch",
    "LogChunk",
    "LogLine",
    "Payload",
    "Phase",
    "PhaseTransition",
    "ProjectCreate",
    "ProjectInfo",
    "ReportUpdate",
    "RerunRequest",
    "ReuseSpec",
    "RunInfo",
    "RunSortKey",
    "SecretInfo",
    "SecretSpec",
    "SecretWrite",
    "ServerInfo",
    "SignalRequest",
    "StoredLogLine",
    "TaskInfo",
    "TaskSpec",
    "TriggerInfo",
    "TriggerSpec",
    "TriggerUpdate",
    "WaitRequest",
    "WhoAmI",
]
