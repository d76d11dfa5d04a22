//! The one error type of the platform and its single mapping to HTTP (RFC 9457 problem+json).

use http::StatusCode;
use serde_json::json;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{detail}")]
    Validation { field: Option<String>, detail: String },
    #[error("the request body is not valid JSON: {0}")]
    MalformedJson(String),
    #[error("the request body must be application/json")]
    UnsupportedMediaType,
    #[error("the request body is larger than {limit} bytes")]
    PayloadTooLarge { limit: usize },
    #[error("the pagination cursor is not one this endpoint issued")]
    InvalidCursor,
    #[error("{0}")]
    InvalidIdempotencyKey(&'static str),
    #[error("{0}")]
    Unauthorized(&'static str),
    #[error("username or password is wrong")]
    InvalidCredentials,
    /// The password was right and the account has two-factor sign-in: the login completes at
    /// `POST /account/login/2fa` with this short-lived challenge and a code.
    #[error("a second factor is required: send the challenge with a code to /account/login/2fa")]
    SecondFactorRequired { challenge: String },
    #[error("{0}")]
    Forbidden(&'static str),
    #[error("{what} was not found")]
    NotFound { code: &'static str, what: String },
    #[error("{detail}")]
    Conflict { code: &'static str, detail: String },
    #[error("{detail}")]
    Rule { code: &'static str, field: Option<&'static str>, detail: String },
    #[error("the payment was declined: {0}")]
    PaymentDeclined(String),
    #[error("too many requests; retry after {retry_after_secs} s")]
    TooManyRequests { retry_after_secs: u64 },
    #[error("a service this request depends on is unavailable: {0}")]
    Unavailable(String),
    #[error("internal error")]
    Internal(String),
}

impl ApiError {
    pub fn validation(field: impl Into<String>, detail: impl Into<String>) -> Self {
        ApiError::Validation { field: Some(field.into()), detail: detail.into() }
    }

    pub fn internal(context: impl std::fmt::Display) -> Self {
        ApiError::Internal(context.to_string())
    }

    pub fn insufficient_funds() -> Self {
        ApiError::Rule {
            code: "insufficient_funds",
            field: None,
            detail: "the balance does not cover this cost".into(),
        }
    }

    pub fn status(&self) -> StatusCode {
        use ApiError::*;
        match self {
            Validation { .. } | MalformedJson(_) | InvalidCursor | InvalidIdempotencyKey(_) => StatusCode::BAD_REQUEST,
            UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Unauthorized(_) | InvalidCredentials | SecondFactorRequired { .. } => StatusCode::UNAUTHORIZED,
            Forbidden(_) => StatusCode::FORBIDDEN,
            NotFound { .. } => StatusCode::NOT_FOUND,
            Conflict { .. } => StatusCode::CONFLICT,
            Rule { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            PaymentDeclined(_) => StatusCode::PAYMENT_REQUIRED,
            TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The stable, machine-readable code clients branch on.
    pub fn code(&self) -> &'static str {
        use ApiError::*;
        match self {
            Validation { .. } => "validation_failed",
            MalformedJson(_) => "malformed_json",
            UnsupportedMediaType => "unsupported_media_type",
            PayloadTooLarge { .. } => "payload_too_large",
            InvalidCursor => "invalid_cursor",
            InvalidIdempotencyKey(_) => "invalid_idempotency_key",
            Unauthorized(_) => "unauthorized",
            InvalidCredentials => "invalid_credentials",
            SecondFactorRequired { .. } => "second_factor_required",
            Forbidden(_) => "forbidden",
            NotFound { code, .. } | Conflict { code, .. } | Rule { code, .. } => code,
            PaymentDeclined(_) => "payment_declined",
            TooManyRequests { .. } => "rate_limited",
            Unavailable(_) => "service_unavailable",
            Internal(_) => "internal_error",
        }
    }

    fn field(&self) -> Option<&str> {
        match self {
            ApiError::Validation { field, .. } => field.as_deref(),
            ApiError::Rule { field, .. } => *field,
            _ => None,
        }
    }

    /// What the client is told. Internal and dependency details stay in the logs.
    fn public_detail(&self) -> String {
        match self {
            ApiError::Internal(_) => "an unexpected error occurred; it has been logged".into(),
            ApiError::Unavailable(_) => "a dependency is unavailable; retry with backoff".into(),
            other => other.to_string(),
        }
    }

    /// The problem+json body (RFC 9457) the client is shown, over HTTP or in a socket error frame.
    pub fn problem(&self, request_id: &str) -> serde_json::Value {
        let status = self.status();
        let mut problem = json!({
            "type": format!("https://game-platform.dev/problems/{}", self.code()),
            "title": status.canonical_reason().unwrap_or("Error"),
            "status": status.as_u16(),
            "code": self.code(),
            "detail": self.public_detail(),
            "requestId": request_id,
        });
        if let Some(field) = self.field() {
            problem["field"] = json!(field);
        }
        if let ApiError::SecondFactorRequired { challenge } = self {
            problem["challenge"] = json!(challenge);
        }
        problem
    }

    pub fn to_response(&self, request_id: &str) -> http::Response<lambda_http::Body> {
        let status = self.status();
        let problem = self.problem(request_id);
        let mut builder = http::Response::builder().status(status).header("content-type", "application/problem+json");
        match self {
            ApiError::TooManyRequests { retry_after_secs } => {
                builder = builder.header("retry-after", retry_after_secs.to_string());
            }
            ApiError::Unauthorized(_) | ApiError::InvalidCredentials => {
                builder = builder.header("www-authenticate", "Bearer");
            }
            _ => {}
        }
        builder.body(lambda_http::Body::Text(problem.to_string())).expect("static headers are valid")
    }
}

/// Any SDK failure: throttling and transport problems are retryable 503s; the rest are bugs (500).
impl<E, R> From<aws_smithy_runtime_api::client::result::SdkError<E, R>> for ApiError
where
    E: std::error::Error + aws_smithy_types::error::metadata::ProvideErrorMetadata + 'static,
    R: std::fmt::Debug,
{
    fn from(err: aws_smithy_runtime_api::client::result::SdkError<E, R>) -> Self {
        use aws_smithy_runtime_api::client::result::SdkError;
        match &err {
            SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) => ApiError::Unavailable(format!("{err:?}")),
            SdkError::ServiceError(service) => {
                let code = service.err().code().unwrap_or_default();
                if code.contains("Throttl")
                    || code.contains("ProvisionedThroughputExceeded")
                    || code == "RequestLimitExceeded"
                    // KMS: its own transient failures
                    || code == "KMSInternalException"
                    || code == "DependencyTimeoutException"
                    || code == "KeyUnavailableException"
                {
                    ApiError::Unavailable(format!("{code}: {:?}", service.err().message()))
                } else {
                    ApiError::Internal(format!("{code}: {:?}", service.err().message()))
                }
            }
            _ => ApiError::Internal(format!("{err:?}")),
        }
    }
}

impl From<serde_dynamo::Error> for ApiError {
    fn from(err: serde_dynamo::Error) -> Self {
        ApiError::Internal(format!("stored item does not match its model: {err}"))
    }
}
