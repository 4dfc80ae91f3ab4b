"""The program that judges one code answer: the answer as a module, then the hidden tests.

A pass must mean the hidden tests ran and passed. Running "answer, then tests" as one script
and counting exit status 0 does not mean that: an answer that ends in
``if __name__ == "__main__": unittest.main()`` (no test cases: Python 3.11 exits 0), or calls
``sys.exit(0)`` / ``os._exit(0)`` / ``raise SystemExit`` at its top level, stops the script
before the tests and still exits 0. So the program built here:

1. reads this run's secret from stdin (the sandbox writes a fresh one per run; see
   ``archon.sandbox.runner``) before any of the answer's code runs, and keeps ``os.write``;
2. runs the answer as a module named ``solution``, not ``__main__``, so its main block does not
   run, and keeps a copy of the builtins as they were before it;
3. runs the tests in a copy of the answer's names, but with those builtins, and without the
   answer's own names that shadow a builtin (an answer that sets ``builtins.abs`` or defines a
   global ``abs`` cannot change what the tests' ``abs(...) < 1e-6`` means; the entry point is
   always kept);
4. only then prints the completion line with the secret.

An exit anywhere before step 4, or a completion line without this run's secret, is a failure
(``ExecutionResult.completed`` is False). This holds against answers that stop early or guess a
marker, which is what models write; code written to dig the secret out of the harness's frames
could still find it, and the sandbox, not this harness, is what contains such code.
"""

from __future__ import annotations

from archon.sandbox.runner import COMPLETION_PREFIX

_HARNESS = '''\
def __archon_judge(solution_source, tests_source, entry_point, prefix):
    import builtins, linecache, os, sys, traceback, types

    secret = sys.stdin.readline().strip()
    write = os.write
    pristine = dict(vars(builtins))
    for filename, source in (("solution.py", solution_source), ("tests.py", tests_source)):
        # Tracebacks then show the failing line (an assert's reason names its source line).
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    solution = types.ModuleType("solution")
    solution.__file__ = "solution.py"
    sys.modules["solution"] = solution
    try:
        exec(compile(solution_source, "solution.py", "exec"), vars(solution))
        names = {
            name: value for name, value in vars(solution).items()
            if name == entry_point or not (name in pristine and value is not pristine[name])
        }
        names.update(__builtins__=pristine, __name__="tests")
        exec(compile(tests_source, "tests.py", "exec"), names)
    except Exception:
        # Printed here, through linecache: the interpreter's own printer reads source from disk.
        traceback.print_exc()
        raise SystemExit(1)
    write(1, ("\\n" + prefix + secret + "\\n").encode())
'''


def judge_program(solution: str, tests: str, entry_point: str) -> str:
    """The program that runs ``solution`` as a module, then ``tests``, then proves it got there.
    Run it with ``completion=True`` (see the module docstring)."""
    arguments = ", ".join(repr(value) for value in (solution, tests, entry_point, COMPLETION_PREFIX))
    return f"{_HARNESS}\n\n__archon_judge({arguments})\n"
