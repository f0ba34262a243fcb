# Copyright: iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the unit and integration tests share: certificate builders, paths, simulator credentials,
and a stand-in for a module object (tests/pytest.ini puts tests/lib on the import path)."""
