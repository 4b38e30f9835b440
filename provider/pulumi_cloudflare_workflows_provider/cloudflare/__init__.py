"""The Cloudflare v4 API client used by the providers (httpx, imported lazily)."""

from .errors import (
    AlreadyExistsError,
    AuthenticationError,
    CloudflareAPIError,
    CloudflareError,
    ConfigurationError,
    ConflictError,
    NotFoundError,
    RateLimitedError,
    Retryable,
    ServerError,
    TransportError,
    ValidationError,
)

__all__ = [
    "AlreadyExistsError",
    "AuthenticationError",
    "CloudflareAPIError",
    "CloudflareError",
    "ConfigurationError",
    "ConflictError",
    "NotFoundError",
    "RateLimitedError",
    "Retryable",
    "ServerError",
    "TransportError",
    "ValidationError",
]
