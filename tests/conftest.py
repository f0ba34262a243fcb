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
    case): ``@pytest.mark.compat``. Every unit test runs there anyway.
"""

from __future__ import annotations


def pytest_configure(config):
    config.addinivalue_line(
        'markers', 'compat: also run on every supported ansible-core version (make compat); one representative test per module, lookup and role')
