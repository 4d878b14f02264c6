"""OSS error responses raised by the embedded server: code, HTTP status, message and EC per OSS."""

# code -> (status, default message, EC). EC values follow OSS's "NNNN-NNNNNNNN" shape.
_CODES = {
    "AccessDenied": (403, "You have no right to access this object.", "0003-00000001"),
    "BucketAlreadyExists": (
        409,
        "The requested bucket name is not available. The bucket namespace is shared by "
        "all users of the system. Please select a different name and try again.",
        "0015-00000104",
    ),
    "BucketNotEmpty": (409, "The bucket you tried to delete is not empty.", "0015-00000301"),
    "EntityTooLarge": (400, "Your proposed upload exceeds the maximum allowed size.", "0016-00000201"),
    "EntityTooSmall": (400, "Your proposed upload smaller than the minimum allowed size.", "0042-00000210"),
    "FileAlreadyExists": (409, "The object you specified already exists and can not be overwritten.", "0016-00000708"),
    "IncompleteBody": (400, "The request body is shorter than the Content-Length.", "0016-00000225"),
    "InvalidAccessKeyId": (403, "The OSS Access Key Id you provided does not exist in our records.", "0002-00000902"),
    "InvalidArgument": (400, "Invalid argument.", "0016-00000001"),
    "InvalidBucketName": (400, "The specified bucket is not valid.", "0015-00000001"),
    "InvalidDigest": (400, "The Content-MD5 you specified is not valid.", "0016-00000702"),
    "InvalidObjectName": (400, "The name of the object is not valid.", "0016-00000005"),
    "InvalidObjectState": (403, "The operation is not valid for the object's state.", "0026-00000006"),
    "InvalidTargetType": (400, "The symbolic's target file type is invalid.", "0043-00000102"),
    "NotSymlink": (400, "The specified object is not a symlink.", "0043-00000101"),
    "OperationNotSupported": (400, "The operation is not supported for this resource.", "0016-00000401"),
    "RestoreAlreadyInProgress": (409, "The restore operation is in progress.", "0026-00000402"),
    "SymlinkTargetNotExist": (404, "The symlink target object does not exist.", "0026-00000012"),
    "InvalidPart": (
        400,
        "One or more of the specified parts could not be found or the specified entity tag "
        "might not have matched the part's entity tag.",
        "0042-00000202",
    ),
    "InvalidPartOrder": (400, "The list of parts was not in ascending order.", "0042-00000205"),
    "InvalidRange": (416, "The requested range cannot be satisfied.", "0017-00000801"),
    "InvalidRequest": (400, "The request is not valid HTTP/1.1.", "0016-00000002"),
    "InvalidSecurityToken": (403, "The security token you provided is invalid.", "0002-00000901"),
    "MalformedXML": (
        400,
        "The XML you provided was not well-formed or did not validate against our published schema.",
        "0016-00000602",
    ),
    "MissingContentLength": (411, "You must provide the Content-Length HTTP header.", "0016-00000101"),
    "NoSuchBucket": (404, "The specified bucket does not exist.", "0015-00000101"),
    "NoSuchKey": (404, "The specified key does not exist.", "0026-00000001"),
    "NoSuchUpload": (
        404,
        "The specified upload does not exist. The upload ID may be invalid, or the upload "
        "may have been aborted or completed.",
        "0042-00000002",
    ),
    "NotImplemented": (
        501,
        "A header or query you provided implies functionality that is not implemented.",
        "0004-00000001",
    ),
    "ObjectNotAppendable": (409, "The operation is not valid for the current state of the object.", "0026-00000502"),
    "PositionNotEqualToLength": (409, "Position is not equal to file length", "0026-00000016"),
    "PreconditionFailed": (412, "At least one of the pre-conditions you specified did not hold.", "0026-00000003"),
    "RequestTimeout": (
        400,
        "Your socket connection to the server was not read from or written to within the timeout period.",
        "0016-00000102",
    ),
    "RequestHeaderFieldsTooLarge": (431, "The request's header fields are too large.", "0016-00000103"),
    "RequestTimeTooSkewed": (
        403,
        "The difference between the request time and the current time is too large.",
        "0002-00000504",
    ),
    "RequestURITooLong": (414, "The request line is too long.", "0016-00000104"),
    "SignatureDoesNotMatch": (
        403,
        "The request signature we calculated does not match the signature you "
        "provided. Check your key and signing method.",
        "0002-00000040",
    ),
    "SlowDown": (503, "The server is busy: please reduce your request rate and retry.", "0000-00000002"),
    "InvalidTag": (400, "The tag provided was not a valid tag.", "0010-00000217"),
    "InvalidPolicyDocument": (400, "The policy document is not valid.", "0030-00000005"),
    "InvalidEncryptionAlgorithmError": (400, "The encryption request you specified is not valid.", "0037-00000001"),
    "InvalidTargetBucketForLogging": (400, "The target bucket for logging is not valid.", "0025-00000002"),
    "AccessForbidden": (403, "CORSResponse: This CORS request is not allowed.", "0003-00000301"),
    "NoSuchLifecycle": (404, "No Row found in Lifecycle Table.", "0034-00000001"),
    "NoSuchCORSConfiguration": (404, "The CORS Configuration does not exist.", "0020-00000001"),
    "NoSuchWebsiteConfiguration": (404, "The specified bucket does not have a website configuration.", "0031-00000001"),
    "NoSuchBucketPolicy": (404, "The bucket policy does not exist.", "0030-00000006"),
    "NoSuchServerSideEncryptionRule": (404, "The server side encryption configuration was not found.", "0037-00000002"),
    "InternalError": (500, "We encountered an internal error. Please try again.", "0000-00000001"),
}


class OssServerError(Exception):
    """An error answered to the client; `details` become extra XML elements (Key, StringToSign, ...).
    `close`: the request's framing is lost, so the connection is closed after the answer."""

    close = False

    def __init__(
        self,
        code: str,
        message: str | None = None,
        status: int | None = None,
        headers: dict[str, str] | None = None,
        **details: str,
    ):
        default_status, default_message, self.ec = _CODES.get(code, (400, code, "0016-00000001"))
        self.code = code
        self.status = status or default_status
        self.message = message or default_message
        self.headers = headers or {}
        self.details = {k: v for k, v in details.items() if v is not None}
        super().__init__(f"{self.code}: {self.message}")


def invalid_argument(message: str, name: str, value: str) -> OssServerError:
    return OssServerError("InvalidArgument", message, ArgumentName=name, ArgumentValue=value)
