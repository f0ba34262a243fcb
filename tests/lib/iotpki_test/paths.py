# Copyright: iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where the repository and the collection are, for tests and the tools that run Ansible."""

from __future__ import annotations

import os

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
NAMESPACE, NAME = "iotpki", "certificates"


def collections_root() -> str:
    """The directory holding ``ansible_collections/iotpki/certificates`` for this working tree.

    Inside an ``ansible_collections/<ns>/<name>`` tree (ansible-test, an installed copy) that tree
    is used; otherwise ``.build/collections`` with a link to the repository (made if missing,
    as ``make link`` does).
    """
    parts = REPO.split(os.sep)
    if len(parts) > 3 and parts[-3] == "ansible_collections":
        return os.sep.join(parts[:-3])
    root = os.path.join(REPO, ".build", "collections")
    link = os.path.join(root, "ansible_collections", NAMESPACE, NAME)
    if not os.path.exists(link):
        os.makedirs(os.path.dirname(link), exist_ok=True)
        if os.path.islink(link):
            os.unlink(link)
        try:
            os.symlink(os.path.join("..", "..", "..", ".."), link)
        except FileExistsError:  # made meanwhile by another pytest-xdist worker
            pass
    return root
