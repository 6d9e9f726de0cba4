//! `ApiError`: every failure of a handler becomes `{"error": "..."}` with a status code.
//!
//! Client mistakes (4xx) say what was wrong with the request; server failures (5xx) are
//! logged on standard error with their detail and answered with a generic message, so a
//! database path or SQL text never reaches a client. Pages wrap the same error in
//! [`PageError`], which renders it as HTML.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: message.into(),
        }
    }
    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, message)
    }
    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, message)
    }
    /// A failure on our side: the detail is logged, not sent.
    pub fn internal(detail: impl std::fmt::Display) -> ApiError {
        eprintln!("claimtrail server: {detail}");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal error (see the server log)",
        )
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.status, self.message)
    }
}

impl From<app::AppError> for ApiError {
    fn from(e: app::AppError) -> ApiError {
        match e {
            app::AppError::Input { .. } => ApiError::bad_request(e.to_string()),
            other => ApiError::internal(other),
        }
    }
}

impl From<store::StoreError> for ApiError {
    fn from(e: store::StoreError) -> ApiError {
        ApiError::internal(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({ "error": self.message });
        (self.status, axum::Json(body)).into_response()
    }
}

/// The same error, answered as an HTML page (for the routes people open in a browser).
#[derive(Debug)]
pub struct PageError(pub ApiError);

impl From<ApiError> for PageError {
    fn from(e: ApiError) -> PageError {
        PageError(e)
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let mut body = crate::html::Markup::new();
        body.raw("<h1>")
            .text(self.0.status.canonical_reason().unwrap_or("Error"))
            .raw("</h1><p class=\"error\">")
            .text(&self.0.message)
            .raw("</p><p><a href=\"/\">Back to the stories</a></p>");
        let page = crate::html::page("Error", "", body);
        (self.0.status, axum::response::Html(page.into_string())).into_response()
    }
}
