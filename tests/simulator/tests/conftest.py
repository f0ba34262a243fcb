"""Fixtures for the simulator tests: one in-process simulator per session (per xdist worker), reset before each test."""

from __future__ import annotations

import pytest
from iotpki_sim.server import start_simulator
from sim_helpers import Client, Enos


def pytest_configure(config):
    """The marker of tests that build a virtual environment (they state their time budget)."""
    config.addinivalue_line("markers", "timeout_budget(seconds): a slow test and its intended upper bound")


@pytest.fixture(scope="session")
def sim_session():
    """One simulator for the whole session."""
    handle = start_simulator(port=0)
    yield handle
    handle.stop()


@pytest.fixture
def sim(sim_session):
    """The simulator, reset to its startup state."""
    Client(sim_session.url).control("POST", "/reset")
    return sim_session


@pytest.fixture
def client(sim) -> Client:
    """A client for the reset simulator."""
    return Client(sim.url)


@pytest.fixture
def enos(client) -> Enos:
    """An EnOS client for the reset simulator."""
    return Enos(client)
