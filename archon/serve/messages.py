"""How an OpenAI chat request becomes an archon query, and what a request may ask for.

A system answers one query (a string), so the messages are rendered into one:

- the last message must be the user's; its content is the question, last;
- system (and developer) messages come first, as instructions;
- earlier user and assistant turns come between them, as "Conversation so far:" with
  "User:" and "Assistant:" lines.

A single user message is therefore its own content, unchanged (what ``archon run`` asks).
Content given as parts must be text parts. Parameters a system cannot honour are refused,
never dropped: ``n`` other than 1, tools, response formats, log-probabilities, penalties...
``temperature`` and ``max_tokens`` (or ``max_completion_tokens``) apply to the system's
final node, when that node calls a model. ``archon.context`` (archon's extension field) carries
the structure of the item asked about (its choices, category...), as ``system.run(query,
context=...)`` does in Python.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from archon.layers.base import ItemContext

#: Accepted and understood; everything else is refused by name.
ACCEPTED = frozenset({"model", "messages", "temperature", "max_tokens", "max_completion_tokens", "stream",
                      "stream_options", "n", "user", "metadata", "archon"})


class RequestError(Exception):
    """A request archon refuses: HTTP status, OpenAI-style error type and code, the parameter."""

    def __init__(self, status: int, message: str, *, param: str | None = None, kind: str = "invalid_request_error",
                 code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.param = param
        self.kind = kind
        self.code = code

    def body(self) -> dict[str, Any]:
        return {"error": {"message": self.message, "type": self.kind, "param": self.param, "code": self.code}}


class StreamOptions(BaseModel):
    model_config = ConfigDict(extra="allow")
    include_usage: bool = False


class ArchonExtension(BaseModel):
    """The request's ``archon`` field: what an OpenAI request cannot say."""

    model_config = ConfigDict(extra="forbid")
    context: ItemContext | None = Field(
        default=None, description="The item's structure (choices, labels, category, answer_format), for "
        "techniques that need it (choice shuffling, routing).")


class ChatRequest(BaseModel):
    """The parts of an OpenAI chat completion request archon uses."""

    model_config = ConfigDict(extra="forbid")

    model: str
    messages: list[dict[str, Any]] = Field(min_length=1)
    temperature: float | None = Field(default=None, ge=0, le=2)
    max_tokens: int | None = Field(default=None, ge=1)
    max_completion_tokens: int | None = Field(default=None, ge=1)
    stream: bool = False
    stream_options: StreamOptions | None = None
    n: int = 1
    user: str | None = None
    metadata: dict[str, Any] | None = None
    archon: ArchonExtension | None = None


def parse_request(body: Any) -> ChatRequest:
    """The request, or a RequestError naming what is wrong (400)."""
    if not isinstance(body, dict):
        raise RequestError(400, "the request body must be a JSON object")
    for name in body:
        if name not in ACCEPTED:
            raise RequestError(400, f"parameter {name!r} is not supported: an archon system cannot honour it "
                               f"(supported: {', '.join(sorted(ACCEPTED))})", param=name,
                               code="unsupported_parameter")
    for required in ("model", "messages"):
        if required not in body:
            raise RequestError(400, f"missing required parameter {required!r}", param=required)
    from pydantic import ValidationError

    try:
        request = ChatRequest.model_validate(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise RequestError(400, f"{where}: {first['msg']}", param=where) from None
    if request.n != 1:
        raise RequestError(400, f"n={request.n} is not supported: a system gives one answer per request",
                           param="n", code="unsupported_parameter")
    return request


def render_query(messages: list[dict[str, Any]]) -> str:
    """One query from the chat messages (see the module docstring)."""
    texts = [(str(m.get("role", "")), _text(m, i)) for i, m in enumerate(messages)]
    for i, (role, _) in enumerate(texts):
        if role not in ("system", "developer", "user", "assistant"):
            raise RequestError(400, f"messages[{i}].role: expected system, developer, user or assistant, got "
                               f"{role!r}", param=f"messages[{i}].role")
    if texts[-1][0] != "user":
        raise RequestError(400, "the last message must be the user's: it is the question the system answers",
                           param=f"messages[{len(texts) - 1}].role")
    instructions = [text for role, text in texts if role in ("system", "developer")]
    turns = [(role, text) for role, text in texts[:-1] if role in ("user", "assistant")]
    parts = ["\n\n".join(instructions)] if instructions else []
    if turns:
        parts.append("Conversation so far:\n" + "\n".join(f"{role.capitalize()}: {text}" for role, text in turns))
    parts.append(texts[-1][1])
    return "\n\n".join(parts)


def _text(message: dict[str, Any], i: int) -> str:
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        pieces = []
        for j, part in enumerate(content):
            if not isinstance(part, dict) or part.get("type") != "text" or not isinstance(part.get("text"), str):
                raise RequestError(400, f"messages[{i}].content[{j}]: only text parts are supported",
                                   param=f"messages[{i}].content")
            pieces.append(part["text"])
        return "".join(pieces)
    raise RequestError(400, f"messages[{i}].content: expected a string or a list of text parts",
                       param=f"messages[{i}].content")
