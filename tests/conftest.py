# Copyright: iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""pytest configuration shared by every test directory.

Markers
-------
``compat``
    The test is part of the compatibility stage (``make compat``, run by ``make test``): it runs
    on every ansible-core minor the collection claims (``requires_ansible`` in
    ``meta/runtime.yml``), each in its own virtual environment. Put it on one representative
    integration test of each module, lookup and role (the lifecycle or main path, not every error
    case): ``@pytest.mark.compat``. The unit tests run there too (COMPAT_TESTS in the Makefile says
    which few are left out, and why).

``integration``
    Set here on every test under tests/integration (not written by hand), so that one pytest run
    can take the unit tests and the compat integration tests: ``-m "compat or not integration"``.
"""

from __future__ import annotations

import pathlib

INTEGRATION = pathlib.Path(__file__).resolve().parent / 'integration'


def pytest_configure(config):
    config.addinivalue_line(
        'markers', 'compat: also run on every supported ansible-core version (make compat); one representative test per module, lookup and role')
    config.addinivalue_line('markers', 'integration: a test under tests/integration (set by tests/conftest.py)')


def pytest_collection_modifyitems(items):
    for item in items:
        if INTEGRATION in item.path.parents:
            item.add_marker('integration')
