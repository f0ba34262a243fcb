# Copyright: iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Baseline of the fleet benchmark: deactivate IoTDA device certificates one after the other with the official SDK.

The ten-line script a user would write instead of the fleet form of ``iotda_device_certificate``: the SDK's client
(derived AK/SK signing, as ``sdk_list.py``), then one ``UpdateDeviceCertificate`` (``status: INACTIVE``) per ID, in
order, no threads.

Usage: ``python sdk_write.py ENDPOINT ID...`` with IOTDA_ACCESS_KEY, IOTDA_SECRET_KEY, IOTDA_PROJECT_ID and IOTDA_REGION
set. Prints one JSON line: writes, seconds spent importing and writing.
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
    from huaweicloudsdkiotda.v5 import IoTDAClient, UpdateDeviceCertificate, UpdateDeviceCertificateRequest
    imported = time.perf_counter()

    credentials = BasicCredentials(os.environ['IOTDA_ACCESS_KEY'], os.environ['IOTDA_SECRET_KEY'], os.environ['IOTDA_PROJECT_ID'])
    credentials = credentials.with_derived_predicate(DerivedCredentials.get_default_derived_predicate())
    client = IoTDAClient.new_builder().with_credentials(credentials).with_region(Region(os.environ['IOTDA_REGION'], sys.argv[1])).build()
    for certificate_id in sys.argv[2:]:
        client.update_device_certificate(UpdateDeviceCertificateRequest(certificate_id=certificate_id,
                                                                        body=UpdateDeviceCertificate(status='INACTIVE')))
    done = time.perf_counter()
    print(json.dumps({'writes': len(sys.argv) - 2, 'import_seconds': imported - started, 'work_seconds': done - imported}))


if __name__ == '__main__':
    main()
