# Copyright: iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Baseline of the listing benchmark: every IoTDA device certificate through the official Python SDK.

The script a user would write instead of the ``iotda_certificate_info`` module: the SDK's builder
(``BasicCredentials`` with the derived-signing predicate, because IoTDA standard and enterprise
instances require V11-HMAC-SHA256; ``IoTDACredentials`` cannot be imported from SDK 3.1.219),
``ListDeviceCertificate`` at 50 per page, following ``page.marker``. It stops on the same rules as
the collection (a short page, no marker, or ``page.count`` records read), so that both send the
same requests and only the clients are compared.

Usage: ``python sdk_list.py ENDPOINT`` with IOTDA_ACCESS_KEY, IOTDA_SECRET_KEY, IOTDA_PROJECT_ID and
IOTDA_REGION set. Prints one JSON line: records, pages, seconds spent importing and paging.
"""

from __future__ import annotations

import json
import os
import sys
import time


def main():
    started = time.perf_counter()
    # pylint: disable=import-error,import-outside-toplevel
    from huaweicloudsdkcore.auth.credentials import BasicCredentials, DerivedCredentials
    from huaweicloudsdkcore.region.region import Region
    from huaweicloudsdkiotda.v5 import IoTDAClient, ListDeviceCertificateRequest
    imported, imported_cpu = time.perf_counter(), time.process_time()

    credentials = BasicCredentials(os.environ['IOTDA_ACCESS_KEY'], os.environ['IOTDA_SECRET_KEY'],
                                   os.environ['IOTDA_PROJECT_ID'])
    credentials = credentials.with_derived_predicate(DerivedCredentials.get_default_derived_predicate())
    client = (IoTDAClient.new_builder()
              .with_credentials(credentials)
              .with_region(Region(os.environ['IOTDA_REGION'], sys.argv[1]))
              .build())

    certificates = []
    marker = None
    pages = 0
    while True:
        response = client.list_device_certificate(ListDeviceCertificateRequest(limit=50, marker=marker))
        pages += 1
        page = response.device_certificates or []
        certificates.extend(page)
        count = response.page.count if response.page else None
        marker = response.page.marker if response.page else None
        if len(page) < 50 or not marker or (count is not None and len(certificates) >= count):
            break
    done, done_cpu = time.perf_counter(), time.process_time()
    print(json.dumps({'records': len(certificates), 'pages': pages, 'import_seconds': imported - started,
                      'work_seconds': done - imported,
                      'work_cpu_seconds': done_cpu - imported_cpu}))


if __name__ == '__main__':
    main()
