"""Boundary mutants of Accepted programs, and the candidates that catch them validated first."""
from __future__ import annotations

import ast
import dataclasses

from pipeline import params
from pipeline.testgen import mutants, stage, validate
from tests.pipeline.testgen.test_validate import EXE, JUDGED, accepted, problem

# "Yes" when N mod 500 is at most A (a real AtCoder problem's shape); the buggy `<` differs only at equality.
COINS = "n = int(input())\na = int(input())\nprint('Yes' if n % 500 <= a else 'No')\n"
COINS_STATEMENT = ("## Constraints\n\n1 \\leq N \\leq 10000\n\n0 \\leq A \\leq 1000\n\nAll values in input are "
                   "integers.\n\n## Input\n\nInput is given from Standard Input in the following format:\n\nN\nA\n\n"
                   "## Output\n\nYes or No\n")


def coins_problem() -> dict:
    return {**problem(statement=COINS_STATEMENT),
            "tests": [{"input": "2018\n218\n", "output": "Yes\n", "source": "statement"},
                      {"input": "2763\n0\n", "output": "No\n", "source": "statement"}]}


def test_every_boundary_mutation_is_made_once():
    code = "n = int(input())\nif n >= 3:\n    print(n)\nfor i in range(n):\n    print(i + 2)\nok = True\n"
    got = {ast.unparse(ast.parse(m)) for m in mutants.mutants(code)}
    base = ast.unparse(ast.parse(code))
    want = {base.replace("n >= 3", "n > 3"), base.replace("n >= 3", "n >= 4"), base.replace("n >= 3", "n >= 2"),
            base.replace("range(n)", "range(n + 1)"), base.replace("range(n)", "range(n - 1)"),
            base.replace("i + 2", "i + 3"), base.replace("i + 2", "i + 1")}
    assert got == want  # True is not an int constant to mutate; == / != are left alone
    assert len(mutants.mutants(code)) == len(want)


def test_a_range_bound_with_a_constant_is_mutated_through_its_constant_only():
    got = mutants.mutants("for i in range(n - 3):\n    pass\n")
    assert sorted(got) == sorted(["for i in range(n - 4):\n    pass", "for i in range(n - 2):\n    pass"])


def test_unparsable_code_and_large_constants_give_no_mutants():
    assert mutants.mutants("print(1\n") == []
    code = "print(10 ** 9 + 7 if x == 1000000007 else 1)"
    assert set(mutants.mutants(code)) == {
        "print(11 ** 9 + 7 if x == 1000000007 else 1)", "print(9 ** 9 + 7 if x == 1000000007 else 1)",
        "print(10 ** 10 + 7 if x == 1000000007 else 1)", "print(10 ** 8 + 7 if x == 1000000007 else 1)",
        "print(10 ** 9 + 8 if x == 1000000007 else 1)", "print(10 ** 9 + 6 if x == 1000000007 else 1)",
        "print(10 ** 9 + 7 if x == 1000000007 else 2)", "print(10 ** 9 + 7 if x == 1000000007 else 0)",
    }  # 1000000007 itself is over MAX_CONSTANT, and == is left alone


def test_mutants_are_drawn_evenly_from_the_programs_and_the_draw_is_seeded():
    a = "print(int(input()) < 5)\n"
    b = "x = int(input())\nprint(x > 1 and x >= 2)\n"
    picked = mutants.pick([a, b], 4, "7:p1")
    assert len(picked) == 4 and len(set(picked)) == 4
    assert sum(m in mutants.mutants(a) for m in picked) == 2  # a has 3 mutants, b 6: two each
    assert picked == mutants.pick([a, b], 4, "7:p1")
    assert mutants.pick([a, b], 100, "7:p1").__len__() == len(mutants.mutants(a)) + len(mutants.mutants(b))


def test_only_mutants_that_pass_the_samples_stay_alive(box):
    samples = (("2018\n218\n", "Yes\n"), ("2763\n0\n", "No\n"))
    judged = dataclasses.replace(JUDGED, tests=samples)
    loose, strict = COINS, COINS.replace("<=", "<")
    wrong = COINS.replace("500", "400")  # 2018 % 400 = 18: "Yes" all the same; 2763 % 400 = 363 > 0: "No"
    broken = COINS.replace("'Yes'", "'No'")
    forever = "while True:\n    pass\n"
    assert mutants.alive(box, [strict, wrong, broken, forever], samples, judged) == [strict, wrong]
    assert mutants.alive(box, [loose], (), judged) == []


def test_the_candidate_on_which_a_mutant_differs_is_validated_first(box):
    strict = COINS.replace("<=", "<")
    candidates = [("max", "10000\n1000\n"), ("min", "1\n0\n")] + [
        ("random", f"{n}\n{a}\n") for n, a in ((7, 3), (900, 2), (1234, 734), (3, 999))]
    order, stats = mutants.rank(box, COINS, [strict], candidates, JUDGED, workers=2)
    assert order == candidates  # no candidate has N mod 500 == A
    assert stats == {"alive": 1, "caught": 0, "catching_candidates": 0}
    candidates += [("small", "2\n2\n"), ("edge", "10000\n0\n")]  # "Yes" for <=, "No" for <
    order, stats = mutants.rank(box, COINS, [strict], candidates, JUDGED, workers=2)
    # the lead ones stay first; the first catching candidate follows; the rest keep their order
    assert order == candidates[:2] + [("small", "2\n2\n")] + candidates[2:6] + [("edge", "10000\n0\n")]
    assert stats == {"alive": 1, "caught": 1, "catching_candidates": 1}
    big = ("random", "500\n" + "0" * mutants.MUTANT_INPUT_BYTES + "\n")  # it would catch, but is too large to try
    order, stats = mutants.rank(box, COINS, [strict], [big, ("small", "3\n3\n")], JUDGED, workers=2)
    assert order == [("small", "3\n3\n"), big] and stats["catching_candidates"] == 1


def test_a_leading_candidate_is_kept_though_its_output_is_common(box):
    judged = dataclasses.replace(JUDGED, tests=())
    candidates = [("small", "2\n2\n"), ("random", "7\n3\n"), ("random", "8\n9\n"), ("random", "9\n3\n")]
    prm = params.TestsParams(max_tests=2, max_same_output=1)
    tests, _, _ = validate.validate_candidates(box, [COINS], candidates, judged, prm, workers=1)
    assert [t["input"] for t in tests] == ["2\n2\n", "7\n3\n"]  # "8\n9\n" is a second "Yes": set aside
    tests, _, _ = validate.validate_candidates(box, [COINS], candidates[2:] + candidates[:2], judged, prm, workers=1,
                                               leading=2)
    assert [t["input"] for t in tests] == ["8\n9\n", "9\n3\n"]


def test_the_stage_keeps_the_boundary_test_that_random_order_leaves_out(box):
    # 8 tests out of 24 candidates: does any kept test tell the strict program from the Accepted one?
    def catches(tests: list[dict]) -> bool:
        return any(int(t["input"].split()[0]) % 500 == int(t["input"].split()[1]) for t in tests)

    prm = params.TestsParams(candidates=24, max_tests=4, validators=2, min_validators=1, heldout_fraction=0)
    subs = accepted(COINS, "n, a = int(input()), int(input())\nprint('No' if n % 500 > a else 'Yes')\n")
    with_mutants, report = stage.generate_problem_tests(box, coins_problem(), subs, prm, EXE, seed=3)
    assert report["mutants"]["caught"] >= 1 and catches(with_mutants)
    without, report = stage.generate_problem_tests(box, coins_problem(), subs, dataclasses.replace(prm, mutants=0),
                                                   EXE, seed=3)
    assert report["mutants"] is None and len(without) == len(with_mutants)
    assert not catches(without)  # at this seed the boundary candidate is drawn 5th: in drawn order it is not kept
