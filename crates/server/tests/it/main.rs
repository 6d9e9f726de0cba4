//! The server's integration tests: one test binary, a module per topic, each against a real
//! server on 127.0.0.1 with a temporary SQLite database (the sample story imported).

mod api;
mod browser;
mod events;
mod openapi;
mod pages;
mod security;
mod support;
mod watches;
