"""Domain errors shared by services, views and the API."""


class DomainError(Exception):
    """A request that breaks a business rule. Carries a message meant for the user."""

    status_code = 400

    def __init__(self, message: str, *, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class NotFound(DomainError):
    status_code = 404


class PermissionDenied(DomainError):
    status_code = 403
