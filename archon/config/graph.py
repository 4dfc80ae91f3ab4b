"""The DAG of a system: wiring, validation with networkx, static shape.

The paper's construction rules were written for linear stacks; here they become
checks on each node's inputs and consumers (each technique states its own in
``Technique.check``), plus graph-wide ones: unknown inputs, cycles, one output,
every node contributing to it.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx

from archon.config.locate import YamlLocator, format_path
from archon.config.spec import ModelConfig, SystemSpecBase
from archon.errors import ArchonError, ConfigError, ConfigErrors, UnknownNameError
from archon.layers.base import Branch, GraphView, Technique

Problems = list[tuple[list[str | int], str]]
#: The system files being loaded as branches, outermost first (a file may not contain itself).
_branch_files: contextvars.ContextVar[tuple[Path, ...]] = contextvars.ContextVar("archon_branch_files", default=())


@dataclass(frozen=True)
class SystemGraph:
    """A validated system: technique instances in topological order, wired."""

    spec: SystemSpecBase
    nodes: dict[str, Technique]
    inputs: dict[str, tuple[str, ...]]
    order: tuple[str, ...]
    output: str
    max_candidates: dict[str, int]  # static upper bound of each node's output size
    aliases: dict[str, ModelConfig]
    #: The sub-systems of nodes that run some (cascade): node id -> branch name -> its graph.
    branches: dict[str, dict[str, SystemGraph]] = field(default_factory=dict)

    def resolve_model(self, ref: str) -> ModelConfig:
        """An alias's config, or a bare model string with no defaults."""
        return self.aliases.get(ref) or ModelConfig(model=ref)

    def walk(self) -> Iterator[SystemGraph]:
        """This graph and every branch graph within it, depth first."""
        yield self
        for named in self.branches.values():
            for graph in named.values():
                yield from graph.walk()


def build_graph(spec: SystemSpecBase, base: Path | None = None) -> tuple[SystemGraph | None, Problems]:
    """Wire the spec into a graph; return it with a list of (path, problem). ``base``: the folder
    that branch files are relative to (the system file's; default the working directory)."""
    from archon.layers.registry import get_technique

    problems: Problems = []
    nodes: dict[str, Technique] = {}
    index: dict[str, int] = {}
    for i, node_spec in enumerate(spec.nodes):
        if node_spec.id in nodes:
            problems.append(([("nodes"), i, "id"], f"duplicate node id {node_spec.id!r}"))
            continue
        nodes[node_spec.id] = get_technique(node_spec.type)(node_spec)
        index[node_spec.id] = i

    inputs: dict[str, tuple[str, ...]] = {}
    previous: str | None = None
    for node_id, tech in nodes.items():
        i = index[node_id]
        given = tech.spec.inputs
        if tech.source:
            if given:
                problems.append(
                    (["nodes", i, "inputs"], f"a {tech.type} node reads only the query and takes no inputs")
                )
            inputs[node_id] = ()
        elif given is None:
            if previous is None:
                problems.append(
                    (["nodes", i], f"a {tech.type} node needs inputs, but no node comes before it; "
                     "set `inputs:` or put a generate node first")
                )
                inputs[node_id] = ()
            else:
                inputs[node_id] = (previous,)
        else:
            if not given and tech.needs_inputs:
                problems.append((["nodes", i, "inputs"], f"a {tech.type} node needs at least one input"))
            for j, ref in enumerate(given):
                if ref not in nodes:
                    from archon.errors import suggest

                    problems.append(
                        (["nodes", i, "inputs", j], f"unknown input {ref!r}. {suggest(ref, list(nodes))}")
                    )
                elif ref == node_id:
                    problems.append((["nodes", i, "inputs", j], "a node cannot take its own output as input"))
            inputs[node_id] = tuple(r for r in given if r in nodes and r != node_id)
        previous = node_id

    dag: nx.DiGraph[str] = nx.DiGraph()
    dag.add_nodes_from(nodes)
    dag.add_edges_from((src, dst) for dst, srcs in inputs.items() for src in srcs)
    try:
        cycle = nx.find_cycle(dag)
        path = " -> ".join([*(edge[0] for edge in cycle), cycle[0][0]])
        problems.append((["nodes"], f"the graph has a cycle: {path}"))
        return None, problems
    except nx.NetworkXNoCycle:
        pass

    # A node with broken inputs also looks like an extra sink: don't report that twice.
    output = _pick_output(spec, dag, index, problems, quiet=bool(problems))
    if output is None:
        return None, problems
    contributing = nx.ancestors(dag, output) | {output}
    for node_id in nodes:
        if node_id not in contributing:
            problems.append(
                (["nodes", index[node_id]], f"node {node_id!r} does not lead to the output {output!r}; "
                 "connect it or remove it")
            )

    branches: dict[str, dict[str, SystemGraph]] = {}
    for node_id, tech in nodes.items():
        for name, branch in tech.branches().items():
            graph_of_branch, found = _branch_graph(spec, node_id, name, branch, base)
            at: list[str | int] = ["nodes", index[node_id], name]
            problems.extend(([*at, *path], message) for path, message in found)
            if graph_of_branch is not None:
                branches.setdefault(node_id, {})[name] = graph_of_branch

    order = tuple(nx.lexicographical_topological_sort(dag, key=lambda n: index[n]))
    max_candidates: dict[str, int] = {}
    for node_id in order:
        n_in = sum(max_candidates[src] for src in inputs[node_id])
        max_candidates[node_id] = nodes[node_id].max_outputs(n_in)
        if node_id in branches:  # it answers with one of its branches' outputs
            max_candidates[node_id] = max(g.max_candidates[g.output] for g in branches[node_id].values())
        view = GraphView(
            input_types=tuple(nodes[s].type for s in inputs[node_id]),
            consumer_types=tuple(nodes[c].type for c in dag.successors(node_id)),
            is_output=node_id == output,
            max_input_candidates=n_in,
            inputs_write_tests=any(nodes[s].writes_tests for s in inputs[node_id]),
        )
        if nodes[node_id].needs_inputs and not nodes[node_id].source and not inputs[node_id]:
            continue  # its missing inputs are reported already; its own rules would only echo that
        for problem in nodes[node_id].check(view):
            problems.append((["nodes", index[node_id]], problem))

    graph = SystemGraph(
        spec=spec,
        nodes=nodes,
        inputs=inputs,
        order=order,
        output=output,
        max_candidates=max_candidates,
        aliases=spec.model_aliases(),
        branches=branches,
    )
    problems.extend(_check_models(graph, index))
    return graph, problems


def _branch_graph(spec: SystemSpecBase, node_id: str, name: str, branch: Branch,
                  base: Path | None) -> tuple[SystemGraph | None, Problems]:
    """The graph of one branch: inline nodes are a system with the parent's models and runtime;
    a file is a system of its own. Problems are relative to the branch."""
    if branch.file is not None:
        return _branch_file(Path(branch.file), base)
    from pydantic import ValidationError

    from archon.config.explain import problems, technique_tag
    from archon.config.spec import system_spec_model

    data = {"name": f"{spec.name}.{node_id}.{name}", "nodes": branch.nodes,
            "models": {alias: cfg.model_dump(exclude_defaults=True) for alias, cfg in spec.model_aliases().items()},
            "runtime": spec.runtime.model_dump(), **({"output": branch.output} if branch.output else {})}
    model = system_spec_model()
    try:
        sub = model.model_validate(data)
    except ValidationError as exc:
        return None, problems(exc, data, model, technique_tag)
    return build_graph(sub, base)


def _branch_file(path: Path, base: Path | None) -> tuple[SystemGraph | None, Problems]:
    from archon.config.loading import system_from_file

    resolved = (path if path.is_absolute() else (base or Path.cwd()) / path).resolve()
    within = _branch_files.get()
    if resolved in within:
        chain = " -> ".join(p.name for p in (*within, resolved))
        return None, [(["file"], f"the branch files include each other: {chain}")]
    if not resolved.is_file():
        return None, [(["file"], f"system file not found: {resolved}")]
    token = _branch_files.set((*within, resolved))
    try:
        _, graph, _ = system_from_file(resolved)
    except ArchonError as exc:
        return None, [(["file"], f"the branch's system file is not valid: {exc}")]
    finally:
        _branch_files.reset(token)
    return graph, []


def check_graph(spec: SystemSpecBase, source: str, locator: YamlLocator | None = None) -> SystemGraph:
    base = Path(source).parent if source and not source.startswith("<") and Path(source).is_file() else None
    graph, problems = build_graph(spec, base)
    if problems or graph is None:
        locator = locator or YamlLocator(None)
        raise ConfigErrors(
            [ConfigError(source, format_path(path), msg, line=locator.line(path)) for path, msg in problems]
        )
    return graph


def _pick_output(
    spec: SystemSpecBase,
    dag: nx.DiGraph[str],
    index: dict[str, int],
    problems: list[tuple[list[str | int], str]],
    quiet: bool = False,
) -> str | None:
    if spec.output is not None:
        if spec.output not in dag:
            from archon.errors import suggest

            problems.append((["output"], f"unknown output node {spec.output!r}. {suggest(spec.output, list(dag))}"))
            return None
        return spec.output
    sinks: list[str] = sorted((n for n in dag if dag.out_degree(n) == 0), key=lambda n: index[n])
    if len(sinks) == 1:
        return sinks[0]
    if quiet:
        return None
    problems.append((["output"], f"several nodes feed no other node ({', '.join(sinks)}); "
                     "set `output:` to the one whose answer is returned"))
    return None


def _check_models(graph: SystemGraph, index: dict[str, int]) -> list[tuple[list[str | int], str]]:
    problems: list[tuple[list[str | int], str]] = []
    seen: dict[str, str | None] = {}
    for node_id, tech in graph.nodes.items():
        field = "model" if getattr(tech.spec, "model", None) else "models"
        for ref in tech.model_refs():
            if ref not in seen:
                seen[ref] = model_problem(ref, graph.aliases)
            if seen[ref]:
                problems.append((["nodes", index[node_id], field], seen[ref] or ""))
    for alias, cfg in graph.aliases.items():
        if "/" not in cfg.model:
            problem: str | None = (f"alias {alias!r} must name a provider/model string such as "
                                   f"local/qwen2.5-coder-0.5b or openai/gpt-4o-mini, got {cfg.model!r}")
        else:
            problem = model_problem(cfg.model, {})
        if problem:
            problems.append((["models", alias], problem))
    return problems


def model_problem(ref: str, aliases: dict[str, ModelConfig]) -> str | None:
    """Why ``ref`` is not a usable model reference, or None if it is."""
    if ref in aliases:
        return None
    if "/" not in ref:
        listed = ", ".join(sorted(aliases)) or "(none defined)"
        return (f"unknown model {ref!r}: not an alias under `models:` (aliases: {listed}) and not a "
                "provider/model string such as local/qwen2.5-coder-0.5b or openai/gpt-4o-mini")
    provider, name = ref.split("/", 1)
    if provider == "local":
        try:
            from archon.local.catalog import get_model_info
        except ImportError:  # local models not installed in this build
            return None
        try:
            get_model_info(name)
        except UnknownNameError as exc:
            return f"{exc}"
    return None
