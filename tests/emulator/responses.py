"""AWS's wire formats for the answers the emulator makes itself: STS's query XML and S3's REST XML."""

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from xml.sax.saxutils import escape

STS_NAMESPACE = "https://sts.amazonaws.com/doc/2011-06-15/"
S3_NAMESPACE = "http://s3.amazonaws.com/doc/2006-03-01/"


@dataclass
class Answer:
    status: int
    body: bytes
    headers: list[tuple[str, str]] = field(default_factory=list)


class AwsError(Exception):
    """An error AWS would answer with; rendered in the calling service's format."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.status = status
        self.code = code
        self.message = message


def iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_millis(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def element(name: str, value: object) -> str:
    return f"<{name}>{escape(str(value))}</{name}>"


def request_id() -> str:
    return str(uuid.uuid4())


def sts_answer(action: str, result_xml: str) -> Answer:
    body = (
        f'<{action}Response xmlns="{STS_NAMESPACE}">'
        f"<{action}Result>{result_xml}</{action}Result>"
        f"<ResponseMetadata>{element('RequestId', request_id())}</ResponseMetadata>"
        f"</{action}Response>"
    )
    return Answer(200, body.encode(), [("Content-Type", "text/xml")])


def sts_error(error: AwsError) -> Answer:
    kind = "Receiver" if error.status >= 500 else "Sender"
    body = (
        f'<ErrorResponse xmlns="{STS_NAMESPACE}"><Error>{element("Type", kind)}{element("Code", error.code)}'
        f"{element('Message', error.message)}</Error>{element('RequestId', request_id())}</ErrorResponse>"
    )
    return Answer(error.status, body.encode(), [("Content-Type", "text/xml")])


def s3_error(error: AwsError) -> Answer:
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error>{element('Code', error.code)}{element('Message', error.message)}"
        f"{element('RequestId', uuid.uuid4().hex[:16].upper())}{element('HostId', uuid.uuid4().hex)}</Error>"
    )
    return Answer(error.status, body.encode(), [("Content-Type", "application/xml")])
