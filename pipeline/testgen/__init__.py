"""Tests stage (`coderl tests`): generated tests that are right on real CodeNet.

    constraints.py  the statement's Constraints / 制約 section -> per-variable facts (ranges, lengths, ...)
    format.py       the statement's Input format -> which variable each token is; facts checked on an input
    layout.py       the samples' layout alone (counts, vectors, blocks): the fallback without a format
    model.py        what the samples show per value group of that layout
    mutate.py       fallback candidates: mutations of the samples' layout within the ranges they show
    draw.py         candidates from the format and the facts: maximum-size, minimum, random, edge, small, relation
    mutants.py      boundary mutants of the validators; the candidates that catch them are validated first
    validate.py     validators (every distinct Accepted program, diverse), special judges, the cross-check
    measure.py      what the generated tests change: the judge's accepted rate per CodeNet status
    stage.py        the stage: per problem, spec -> candidates -> mutant ranking -> validation -> cross-check; outputs
"""
from pipeline.testgen.stage import generate_problem_tests, main, run, totals  # noqa: F401
