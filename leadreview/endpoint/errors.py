"""An error the endpoint answers as AWS answers it: HTTP status, `__type` and `message`."""

# Status codes the service sends with each code; anything else a client did wrong is 400.
_STATUS = {
    "InternalServerError": 500,
    "ServiceUnavailableException": 503,
    "AccessDeniedException": 400,
    "UnrecognizedClientException": 400,
    "InvalidSignatureException": 400,
    "MissingAuthenticationTokenException": 403,
    "UnknownOperationException": 400,
    "RequestEntityTooLargeException": 413,
}


class EndpointError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message

    @property
    def status(self) -> int:
        return _STATUS.get(self.code, 400)
