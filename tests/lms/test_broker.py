"""The zero-setup broker (lms/broker.py): a reader never takes a message half written."""

import threading

from kombu import Connection

from lms.broker import Transport

MESSAGES = 200


def _connection(folder):
    return Connection(
        "lmsfs://localhost/",
        transport_options={
            "data_folder_in": str(folder),
            "data_folder_out": str(folder),
            "control_folder": str(folder / "control"),
            "store_processed": False,
        },
    )


def test_the_broker_url_selects_our_transport(tmp_path):
    with _connection(tmp_path) as connection:
        assert isinstance(connection.transport, Transport)


def test_messages_read_while_being_written_are_always_whole(tmp_path):
    (tmp_path / "control").mkdir()
    body = {"payload": "x" * 200_000}
    with _connection(tmp_path) as writer_connection, _connection(tmp_path) as reader_connection:
        writer = writer_connection.SimpleQueue("race")
        reader = reader_connection.SimpleQueue("race")
        received, errors = [], []

        def read():
            try:
                while len(received) < MESSAGES:
                    message = reader.get(timeout=30)
                    received.append(message.payload)
                    message.ack()
            except Exception as exc:  # reported below
                errors.append(exc)

        thread = threading.Thread(target=read)
        thread.start()
        for number in range(MESSAGES):
            writer.put({**body, "n": number})
        thread.join(timeout=120)
    assert errors == []
    assert sorted(m["n"] for m in received) == list(range(MESSAGES))
    assert all(m["payload"] == body["payload"] for m in received)
    assert not list(tmp_path.glob("*.part"))
