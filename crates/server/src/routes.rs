//! The route table: every page, API endpoint and static file, registered through [`Routes`],
//! which remembers each (method, path) so that the OpenAPI document can be checked against
//! the router in both directions (`tests/openapi.rs`).
//!
//! Paths use axum's `{name}` captures, which are also OpenAPI's path templates, so the same
//! string appears in the router and in the document.

use crate::{api, events, pages, security, AppState, Config};
use axum::extract::DefaultBodyLimit;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::{self, MethodRouter};
use axum::Router;

/// A router that records what it registers.
pub struct Routes {
    router: Router<AppState>,
    state: AppState,
    body_limit: usize,
    list: Vec<(&'static str, &'static str)>,
}

impl Routes {
    fn add(
        mut self,
        method: &'static str,
        path: &'static str,
        handler: MethodRouter<AppState>,
    ) -> Routes {
        self.list.push((method, path));
        self.router = self.router.route(path, handler);
        self
    }

    /// (method, path) of every route, in registration order; methods upper-case.
    pub fn list(&self) -> &[(&'static str, &'static str)] {
        &self.list
    }

    /// The finished router, with the security layers and the body limit around it.
    pub fn into_router(self) -> Router {
        self.router
            .fallback(pages::not_found)
            .layer(axum::middleware::from_fn_with_state(
                self.state.clone(),
                security::guard_writes,
            ))
            .layer(DefaultBodyLimit::max(self.body_limit))
            .layer(axum::middleware::from_fn(security::headers))
            .with_state(self.state)
    }
}

/// Every route of the application.
pub fn build(state: AppState, config: &Config) -> Routes {
    use routing::{delete, get, post};
    let r = Routes {
        router: Router::new(),
        state,
        body_limit: config.body_limit,
        list: Vec::new(),
    };
    r
        // Pages.
        .add("GET", "/", get(pages::index))
        .add("GET", "/stories/{id}", get(pages::story))
        .add("GET", "/articles/{id}", get(pages::article))
        .add("GET", "/speakers/{name}", get(pages::speaker))
        .add("GET", "/feeds", get(pages::feeds))
        .add("POST", "/feeds", post(pages::feeds_add))
        .add("POST", "/feeds/remove", post(pages::feeds_remove))
        .add("GET", "/search", get(pages::search))
        // Static files.
        .add("GET", "/static/app.js", get(app_js))
        .add("GET", "/static/style.css", get(style_css))
        // JSON API.
        .add("GET", "/api/stories", get(api::stories))
        .add("GET", "/api/stories/{id}", get(api::story))
        .add(
            "GET",
            "/api/stories/{id}/statements",
            get(api::story_statements),
        )
        .add(
            "GET",
            "/api/stories/{id}/articles",
            get(api::story_articles),
        )
        .add("GET", "/api/articles/{id}", get(api::article))
        .add("POST", "/api/articles", post(api::add_article))
        .add("GET", "/api/speakers/{name}", get(api::speaker))
        .add("GET", "/api/search", get(api::search))
        .add("GET", "/api/feeds", get(api::feeds))
        .add("POST", "/api/feeds", post(api::add_feed))
        .add("DELETE", "/api/feeds", delete(api::remove_feed))
        .add("POST", "/api/analyze", post(api::analyze))
        .add("GET", "/api/events", get(events::stream))
        .add("GET", "/api/openapi.json", get(api::openapi))
        .add("GET", "/api/watches", get(api::watches))
        .add("POST", "/api/watches", post(api::add_watch))
        .add("DELETE", "/api/watches/{id}", delete(api::remove_watch))
        .add(
            "GET",
            "/api/watches/{id}/deliveries",
            get(api::watch_deliveries),
        )
}

/// The one script: opens the event stream and inserts what arrives. Small enough to read.
pub const APP_JS: &str = include_str!("../static/app.js");
pub const STYLE_CSS: &str = include_str!("../static/style.css");

async fn app_js() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        APP_JS,
    )
}

async fn style_css() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        STYLE_CSS,
    )
}
