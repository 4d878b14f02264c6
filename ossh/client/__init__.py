"""The ossh client core: `OssClient` speaks the OSS REST API (V1/V4 signatures, retries, transfers)."""
from .client import OssClient
from .errors import ClientError, IntegrityError, LocalFileError, OssError, ServiceError, TransportError

__all__ = ["OssClient", "OssError", "ServiceError", "ClientError", "TransportError", "IntegrityError",
           "LocalFileError"]
