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
from archon.config.reader import read_document
from archon.config.spec import ModelConfig, SystemSpecBase
from archon.config.validate import spec_of_document
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
    that branch files are relative to (the system file's; default the working directory).

    The passes run in order, each adding its problems to the one list; a cycle or an output that
    cannot be chosen ends the build (the passes after them need a DAG with one output)."""
    problems: Problems = []
    nodes, index = _instantiate_nodes(spec, problems)
    inputs = _wire_inputs(nodes, index, problems)
    dag = _dag_of(nodes, inputs)
    if _found_cycle(dag, problems):
        return None, problems
    # A node with broken inputs also looks like an extra sink: don't report that twice.
    output = _pick_output(spec, dag, index, problems, quiet=bool(problems))
    if output is None:
        return None, problems
    _check_contributing(nodes, index, dag, output, problems)
    branches = _build_branches(spec, nodes, index, base, problems)
    order = tuple(nx.lexicographical_topological_sort(dag, key=lambda n: index[n]))
    max_candidates = _size_and_check_nodes(nodes, index, inputs, dag, order, output, branches, problems)
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


def _instantiate_nodes(spec: SystemSpecBase, problems: Problems) -> tuple[dict[str, Technique], dict[str, int]]:
    """A technique instance per node id (a repeated id is a problem), and each id's
    index in ``spec.nodes`` (for the paths of problems)."""
    from archon.layers.registry import get_technique

    nodes: dict[str, Technique] = {}
    index: dict[str, int] = {}
    for i, node_spec in enumerate(spec.nodes):
        if node_spec.id in nodes:
            problems.append((["nodes", i, "id"], f"duplicate node id {node_spec.id!r}"))
            continue
        nodes[node_spec.id] = get_technique(node_spec.type)(node_spec)
        index[node_spec.id] = i
    return nodes, index


def _wire_inputs(nodes: dict[str, Technique], index: dict[str, int],
                 problems: Problems) -> dict[str, tuple[str, ...]]:
    """Each node's inputs, the known ones only: those it names, else the node before it."""
    inputs: dict[str, tuple[str, ...]] = {}
    previous: str | None = None
    for node_id, tech in nodes.items():
        inputs[node_id] = _inputs_of(node_id, tech, index[node_id], previous, nodes, problems)
        previous = node_id
    return inputs


def _inputs_of(node_id: str, tech: Technique, i: int, previous: str | None, nodes: dict[str, Technique],
               problems: Problems) -> tuple[str, ...]:
    """One node's inputs: none for a source, the previous node when it names none, else the
    nodes it names that exist and are not itself."""
    given = tech.spec.inputs
    if tech.source:
        if given:
            problems.append((["nodes", i, "inputs"], f"a {tech.type} node reads only the query and takes no inputs"))
        return ()
    if given is None:
        if previous is None:
            problems.append(
                (["nodes", i], f"a {tech.type} node needs inputs, but no node comes before it; "
                 "set `inputs:` or put a generate node first")
            )
            return ()
        return (previous,)
    if not given and tech.needs_inputs:
        problems.append((["nodes", i, "inputs"], f"a {tech.type} node needs at least one input"))
    for j, ref in enumerate(given):
        if ref not in nodes:
            from archon.errors import suggest

            problems.append((["nodes", i, "inputs", j], f"unknown input {ref!r}. {suggest(ref, list(nodes))}"))
        elif ref == node_id:
            problems.append((["nodes", i, "inputs", j], "a node cannot take its own output as input"))
    return tuple(r for r in given if r in nodes and r != node_id)


def _dag_of(nodes: dict[str, Technique], inputs: dict[str, tuple[str, ...]]) -> nx.DiGraph[str]:
    """The wiring as a networkx graph, an edge from each input to its consumer."""
    dag: nx.DiGraph[str] = nx.DiGraph()
    dag.add_nodes_from(nodes)
    dag.add_edges_from((src, dst) for dst, srcs in inputs.items() for src in srcs)
    return dag


def _found_cycle(dag: nx.DiGraph[str], problems: Problems) -> bool:
    """Whether the graph has a cycle (reported as a problem, with its path)."""
    try:
        cycle = nx.find_cycle(dag)
    except nx.NetworkXNoCycle:
        return False
    path = " -> ".join([*(edge[0] for edge in cycle), cycle[0][0]])
    problems.append((["nodes"], f"the graph has a cycle: {path}"))
    return True


def _check_contributing(nodes: dict[str, Technique], index: dict[str, int], dag: nx.DiGraph[str], output: str,
                        problems: Problems) -> None:
    """Every node leads to the output (a node that does not is a problem)."""
    contributing = nx.ancestors(dag, output) | {output}
    for node_id in nodes:
        if node_id not in contributing:
            problems.append(
                (["nodes", index[node_id]], f"node {node_id!r} does not lead to the output {output!r}; "
                 "connect it or remove it")
            )


def _build_branches(spec: SystemSpecBase, nodes: dict[str, Technique], index: dict[str, int], base: Path | None,
                    problems: Problems) -> dict[str, dict[str, SystemGraph]]:
    """The graph of each branch of each node that has some (their problems placed under
    the node's field that names the branch)."""
    branches: dict[str, dict[str, SystemGraph]] = {}
    for node_id, tech in nodes.items():
        for name, branch in tech.branches().items():
            graph_of_branch, found = _branch_graph(spec, node_id, name, branch, base)
            at: list[str | int] = ["nodes", index[node_id], name]
            problems.extend(([*at, *path], message) for path, message in found)
            if graph_of_branch is not None:
                branches.setdefault(node_id, {})[name] = graph_of_branch
    return branches


def _size_and_check_nodes(nodes: dict[str, Technique], index: dict[str, int], inputs: dict[str, tuple[str, ...]],
                          dag: nx.DiGraph[str], order: tuple[str, ...], output: str,
                          branches: dict[str, dict[str, SystemGraph]], problems: Problems) -> dict[str, int]:
    """In topological order: each node's static upper bound of candidates, and its own
    rules (``Technique.check``) on its place in the graph. Returns the bounds."""
    max_candidates: dict[str, int] = {}
    for node_id in order:
        tech = nodes[node_id]
        n_in = sum(max_candidates[src] for src in inputs[node_id])
        max_candidates[node_id] = tech.max_outputs(n_in)
        if node_id in branches:  # it answers with one of its branches' outputs
            max_candidates[node_id] = max(g.max_candidates[g.output] for g in branches[node_id].values())
        view = GraphView(
            input_types=tuple(nodes[s].type for s in inputs[node_id]),
            consumer_types=tuple(nodes[c].type for c in dag.successors(node_id)),
            is_output=node_id == output,
            max_input_candidates=n_in,
            inputs_write_tests=any(nodes[s].writes_tests for s in inputs[node_id]),
        )
        if tech.needs_inputs and not tech.source and not inputs[node_id]:
            continue  # its missing inputs are reported already; its own rules would only echo that
        for problem in tech.check(view):
            problems.append((["nodes", index[node_id]], problem))
    return max_candidates


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
    """The graph of a branch's system file, loaded as ``archon.config.loading`` loads one (read,
    validated, built and checked), which this module does not import: that one imports it."""
    resolved = (path if path.is_absolute() else (base or Path.cwd()) / path).resolve()
    within = _branch_files.get()
    if resolved in within:
        chain = " -> ".join(p.name for p in (*within, resolved))
        return None, [(["file"], f"the branch files include each other: {chain}")]
    if not resolved.is_file():
        return None, [(["file"], f"system file not found: {resolved}")]
    token = _branch_files.set((*within, resolved))
    try:
        doc = read_document(resolved, "system file")
        spec, locator = spec_of_document(doc)
        graph = check_graph(spec, doc.source, locator)
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
    """The output node: the one ``output:`` names, else the only node that feeds no other."""
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
