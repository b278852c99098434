"""Simplex bases as arrays (symbiosis/backends/basis.py) and by names
(symbiosis/formulation/named_basis.py): a warm start, never a different answer."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

import symbiosis as sb
import symbiosis.decompose as decompose
from symbiosis.backends.basis import AT_LOWER, BASIC, Basis, basis_of, set_basis
from symbiosis.formulation.highs_model import MatrixProgram
from symbiosis.formulation.named_basis import NamedBasis
from symbiosis.network import build_network

from .test_network import _pipe_park


def _relaxation(seed: int = 1):
    park = _pipe_park(seed, False, n=15)
    lp = sb.formulate(park, build_network(park, screen_value=True))
    program = MatrixProgram.of(lp)
    return lp, replace(program, integer=np.zeros_like(program.integer))


def _solved(program: MatrixProgram, basis: Basis | None = None):
    h = program.to_highs()
    taken = basis is not None and set_basis(h, basis)
    h.setOptionValue("presolve", "off")
    h.run()
    return h, taken


def test_a_basis_taken_from_highs_and_given_back_needs_no_iteration():
    _, program = _relaxation()
    first, _ = _solved(program)
    assert first.getInfo().simplex_iteration_count > 0
    basis = basis_of(first)
    assert basis is not None and basis.consistent
    again, taken = _solved(program, basis)
    assert taken and again.getInfo().simplex_iteration_count == 0
    assert again.getInfo().objective_function_value == pytest.approx(
        first.getInfo().objective_function_value, rel=1e-12)


def test_a_basis_that_is_not_one_is_refused_and_the_lp_still_solved():
    _, program = _relaxation()
    first, _ = _solved(program)
    n_rows, n_cols = program.a.shape
    wrong = Basis(np.full(n_cols, AT_LOWER, np.int8), np.full(n_rows - 1, BASIC, np.int8))
    short = Basis(np.full(n_cols, BASIC, np.int8), np.full(n_rows, BASIC, np.int8))
    for basis in (wrong, short):
        h = program.to_highs()
        assert not set_basis(h, basis)
    assert decompose._lp_bound(program, basis=short) == pytest.approx(
        decompose._lp_bound(program), rel=1e-12)


def test_a_basis_carried_by_names_onto_the_same_program_is_the_same_basis():
    lp, program = _relaxation()
    h, _ = _solved(program)
    basis = basis_of(h)
    named = NamedBasis.of(lp, basis)
    carried = named.onto(lp)
    assert (carried.columns == basis.columns).all() and (carried.rows == basis.rows).all()
    # a program without one of the blocks: its columns and rows get the defaults
    flow = next(iter(lp.variables))
    partial = NamedBasis({k: v for k, v in named.columns.items() if k != flow}, named.rows)
    columns = lp.variables[flow].columns
    assert (partial.onto(lp).columns[columns] == AT_LOWER).all()


def test_the_lp_bound_from_a_carried_basis_is_the_lp_bound():
    lp, program = _relaxation(2)
    h, _ = _solved(program.scaled()[0])
    basis = basis_of(h)
    assert decompose._lp_bound(program, basis=basis) == pytest.approx(
        decompose._lp_bound(program), rel=1e-9)
    # interior point's margin is not taken off a simplex value
    assert decompose._lp_bound(program, True, basis) == pytest.approx(
        decompose._lp_bound(program), rel=1e-9)
