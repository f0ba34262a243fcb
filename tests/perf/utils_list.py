# Copyright: iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The listing benchmark's "module only" figure: the read of ``iotda_certificate_info`` (kind device)
through the collection's module_utils, without Ansible around it.

It does what the module does between parsing its options and printing its result: the IoTDA client
(derived AK/SK signing) and ``_iotda_reads.read`` (every page at 50 per request, then
``expires_in_days`` for each record).

Usage: ``python utils_list.py ENDPOINT`` with the collection importable (PYTHONPATH) and
IOTDA_ACCESS_KEY, IOTDA_SECRET_KEY, IOTDA_PROJECT_ID and IOTDA_REGION set. Prints one JSON line:
records, requests, seconds spent importing and reading.
"""

from __future__ import annotations

import json
import os
import sys
import time


def main():
    started = time.perf_counter()
    # pylint: disable=import-error,import-outside-toplevel
    from ansible_collections.iotpki.certificates.plugins.module_utils._iotda_client import IotdaClient
    from ansible_collections.iotpki.certificates.plugins.module_utils._fleet import run_controls
    from ansible_collections.iotpki.certificates.plugins.module_utils._iotda_reads import read, read_query
    imported, imported_cpu = time.perf_counter(), time.process_time()

    client = IotdaClient({
        'endpoint': sys.argv[1], 'project_id': os.environ['IOTDA_PROJECT_ID'], 'region': os.environ['IOTDA_REGION'],
        'access_key': os.environ['IOTDA_ACCESS_KEY'], 'secret_key': os.environ['IOTDA_SECRET_KEY'],
        'signing': 'auto', 'validate_certs': True, 'timeout': 30.0, 'retries': 3,
    })
    result = read(client, read_query(kind='device'), controls=run_controls({})).result()  # the module's defaults
    done, done_cpu = time.perf_counter(), time.process_time()
    print(json.dumps({'records': result['returned'], 'pages': client.http.request_count,
                      'import_seconds': imported - started, 'work_seconds': done - imported,
                      'work_cpu_seconds': done_cpu - imported_cpu}))


if __name__ == '__main__':
    main()
