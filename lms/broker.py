"""The zero-setup broker: kombu's file-system transport, with every message written atomically.

kombu's own transport creates a message's file and then writes into it; a worker listing the
folder in between moves the empty file away and fails on it (a JSONDecodeError that loses the
task). Here a message is written under a name no reader lists (`.part`) and renamed into place,
which is atomic on one file system, so a reader sees whole messages or none.
Selected by the broker URL `lmsfs://` (lms/settings/base.py).
"""

from __future__ import annotations

import os
import uuid
from time import monotonic

from kombu.exceptions import ChannelError
from kombu.transport import TRANSPORT_ALIASES, filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps


class Channel(filesystem.Channel):
    def _put(self, queue, payload, **kwargs):
        # The name orders messages by time as kombu's does; readers take only `*.<queue>.msg`.
        name = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        partial = f"{final}.part"
        try:
            with open(partial, "wb") as handle:
                handle.write(str_to_bytes(dumps(payload)))
            os.replace(partial, final)
        except OSError as exc:
            raise ChannelError(f"Cannot add file {final!r} to directory") from exc


class Transport(filesystem.Transport):
    Channel = Channel


TRANSPORT_ALIASES["lmsfs"] = "lms.broker:Transport"
