//! The OpenAPI 3.1 document served at `/api/openapi.json`, written by hand.
//!
//! It lists every route the router has, pages and static files included (as `text/html`,
//! `text/css`, `text/javascript`), so that `tests/openapi.rs` can compare it with
//! [`crate::routes::Routes::list`] in both directions: a handler added without documentation,
//! or documentation left behind by a removed handler, fails the test.

use serde_json::{json, Value};

fn error_response(description: &str) -> Value {
    json!({
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    })
}

fn json_ok(description: &str, schema: Value) -> Value {
    json!({ "description": description, "content": {"application/json": {"schema": schema}} })
}

fn html_page(summary: &str) -> Value {
    json!({
        "summary": summary,
        "tags": ["pages"],
        "responses": {
            "200": {"description": "An HTML page", "content": {"text/html": {"schema": {"type": "string"}}}},
            "404": {"description": "Not found (HTML page)"}
        }
    })
}

fn path_param(name: &str, description: &str) -> Value {
    json!({"name": name, "in": "path", "required": true, "description": description, "schema": {"type": "string"}})
}

fn query_param(name: &str, description: &str, schema: Value) -> Value {
    json!({"name": name, "in": "query", "required": false, "description": description, "schema": schema})
}

fn obj() -> Value {
    json!({"type": "object"})
}

fn limit() -> Value {
    query_param(
        "limit",
        "How many at most (1 to 1000).",
        json!({"type": "integer", "minimum": 1, "maximum": 1000}),
    )
}

fn write_errors(mut responses: Value) -> Value {
    if let Some(r) = responses.as_object_mut() {
        r.insert(
            "400".into(),
            error_response("Bad input; the message names the problem"),
        );
        r.insert(
            "401".into(),
            error_response("A token is configured and was not given"),
        );
        r.insert(
            "403".into(),
            error_response("A cross-site write from a browser"),
        );
        r.insert(
            "413".into(),
            error_response("The body is larger than the server accepts"),
        );
        r.insert(
            "415".into(),
            error_response("The body is not `application/json`"),
        );
    }
    responses
}

/// The document.
pub fn document() -> Value {
    let mut doc = json!({
        "openapi": "3.1.0",
        "info": {
            "title": "claimtrail",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Developing news stories: who said what, who denies it, where each claim came from. \
                Every page under / has a JSON twin under /api. Writes need `Authorization: Bearer TOKEN` when \
                the server is started with a token (always, when it listens beyond loopback)."
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}},
                "StorySummary": {"type": "object", "properties": {
                    "id": {"type": "integer"}, "title": {"type": ["string", "null"]},
                    "first_seen": {"type": "string", "format": "date-time"},
                    "last_seen": {"type": "string", "format": "date-time"},
                    "articles": {"type": "integer"}, "outlets": {"type": "array", "items": {"type": "string"}}
                }},
                "Statement": {"type": "object", "properties": {
                    "article": {"type": "string"}, "speaker": {"type": ["string", "null"]},
                    "cue": {"type": "string"}, "content": {"type": "string"},
                    "published": {"type": ["string", "null"], "format": "date-time"}
                }},
                "StoryStatement": {"type": "object", "properties": {
                    "article": {"type": "string"}, "outlet": {"type": ["string", "null"]},
                    "speaker": {"type": ["string", "null"]}, "speaker_kind": {"type": ["string", "null"]},
                    "anonymous": {"type": "boolean"}, "cue": {"type": "string"}, "content": {"type": "string"},
                    "published": {"type": ["string", "null"], "format": "date-time"},
                    "said": {"type": ["string", "null"], "description": "The day it was said, else the day its article was published"},
                    "nested_in": {"type": ["integer", "null"], "description": "Place (in the whole story) of the statement that reported this one"}
                }},
                "Article": {"type": "object", "description": "An original article with its copies (near-duplicates stored in their own right, exact repeats seen at other outlets) folded under it",
                    "properties": {
                        "id": {"type": "string"}, "title": {"type": ["string", "null"]}, "url": {"type": ["string", "null"]},
                        "source": {"type": ["string", "null"]}, "published": {"type": ["string", "null"], "format": "date-time"},
                        "fetched": {"type": "string", "format": "date-time"},
                        "credits": {"type": "array", "items": {"type": "string"}},
                        "copies": {"type": "array", "items": obj()}
                    }},
                "StoryView": {"type": "object",
                    "description": "A story's summary and claims with its latest statements and articles. `statements` are \
                        `statements_total` statements in the order said, from place `statements_offset`; claims (and `nested_in`) \
                        number statements by their place in the whole story. `articles` are the latest of `articles_total` \
                        originals, oldest first, from place `articles_offset`. Page through the rest with \
                        /api/stories/{id}/statements and /api/stories/{id}/articles.",
                    "properties": {
                    "id": {"type": "integer"}, "title": {"type": ["string", "null"]},
                    "first_seen": {"type": "string", "format": "date-time"},
                    "last_seen": {"type": "string", "format": "date-time"},
                    "articles_stored": {"type": "integer", "description": "Stored articles, copies included (the story list's `articles`)"},
                    "outlets": {"type": "array", "items": {"type": "string"}},
                    "claims": {"type": "array", "description": "Claims with each speaker's stance, contested flag and conflicting numbers; statement numbers are places in the whole story"},
                    "claim_notes": {"type": "array", "description": "Why claims are thin: one article only, no attributions, a language the analyzer does not read, statements beyond what is grouped"},
                    "statements_total": {"type": "integer"}, "statements_offset": {"type": "integer"},
                    "statements": {"type": "array", "items": {"$ref": "#/components/schemas/StoryStatement"}},
                    "articles_total": {"type": "integer"}, "articles_offset": {"type": "integer"},
                    "articles": {"type": "array", "items": {"$ref": "#/components/schemas/Article"}}
                }},
                "StoryPage": {"type": "object",
                    "description": "One page of a story's statements or articles. `last_seen` and `articles_stored` name the story's version: \
                        when they differ between two pages the story changed in between and places may have moved.",
                    "properties": {
                    "story": {"type": "integer"}, "last_seen": {"type": "string", "format": "date-time"},
                    "articles_stored": {"type": "integer"}, "total": {"type": "integer"}, "offset": {"type": "integer"},
                    "statements": {"type": "array", "items": {"$ref": "#/components/schemas/StoryStatement"}},
                    "articles": {"type": "array", "items": {"$ref": "#/components/schemas/Article"}}
                }},
                "Feed": {"type": "object", "properties": {
                    "url": {"type": "string"}, "kind": {"enum": ["feed", "telegram", "page"]},
                    "title": {"type": ["string", "null"]},
                    "last_success": {"type": ["string", "null"], "format": "date-time"},
                    "last_error": {"type": ["string", "null"]},
                    "consecutive_failures": {"type": "integer"},
                    "next_poll": {"type": ["string", "null"], "format": "date-time"}
                }},
                "ImportRecord": {"type": "object", "additionalProperties": false,
                    "description": "One line of `claimtrail import`: one of `text` and `html` is required.",
                    "properties": {
                        "url": {"type": "string"}, "source": {"type": "string"},
                        "published": {"type": "string"}, "title": {"type": "string"},
                        "text": {"type": "string"}, "html": {"type": "string"}
                    }},
                "Analysis": {"type": "object", "description": "The JSON of `claimtrail analyze`: spans with code-point offsets.",
                    "properties": {
                        "sentences": {"type": "array"}, "entities": {"type": "array"}, "times": {"type": "array"},
                        "quantities": {"type": "array"}, "attributions": {"type": "array"},
                        "boilerplate": {"type": "array"}, "credits": {"type": "array"}
                    }}
            }
        },
        "paths": {
            "/": {"get": html_page("Stories, most recently active first, with coverage charts")},
            "/stories/{id}": {"get": {
                "parameters": [path_param("id", "The story's number")],
                "summary": "A story: claims matrix, statements timeline, articles with copies folded",
                "tags": ["pages"],
                "responses": html_page("")["responses"].clone()
            }},
            "/articles/{id}": {"get": {
                "parameters": [path_param("id", "The article's id")],
                "summary": "An article's text with attributions, entities and times marked",
                "tags": ["pages"],
                "responses": html_page("")["responses"].clone()
            }},
            "/speakers/{name}": {"get": {
                "parameters": [path_param("name", "The speaker's name as the analyzer resolved it")],
                "summary": "A speaker's statements across stories",
                "tags": ["pages"],
                "responses": html_page("")["responses"].clone()
            }},
            "/feeds": {
                "get": html_page("Subscriptions with their health, and forms to add and remove"),
                "post": {
                    "summary": "Add a subscription (form post; redirects to /feeds)",
                    "tags": ["pages"],
                    "requestBody": {"required": true, "content": {"application/x-www-form-urlencoded": {"schema": {
                        "type": "object", "required": ["url"],
                        "properties": {"url": {"type": "string"}, "kind": {"type": "string"}, "title": {"type": "string"}, "token": {"type": "string"}}
                    }}}},
                    "responses": {"303": {"description": "Added; see /feeds"}, "400": {"description": "Bad address (HTML page)"}, "401": {"description": "Wrong or missing token"}}
                }
            },
            "/feeds/remove": {"post": {
                "summary": "Remove a subscription (form post; redirects to /feeds)",
                "tags": ["pages"],
                "requestBody": {"required": true, "content": {"application/x-www-form-urlencoded": {"schema": {
                    "type": "object", "required": ["url"],
                    "properties": {"url": {"type": "string"}, "token": {"type": "string"}}
                }}}},
                "responses": {"303": {"description": "Removed; see /feeds"}, "401": {"description": "Wrong or missing token"}}
            }},
            "/search": {"get": {
                "summary": "Search articles and statements",
                "tags": ["pages"],
                "parameters": [query_param("q", "Words that must all occur", json!({"type": "string"}))],
                "responses": {"200": {"description": "An HTML page", "content": {"text/html": {"schema": {"type": "string"}}}}}
            }},
            "/static/app.js": {"get": {
                "summary": "The page script: live updates over /api/events",
                "tags": ["static"],
                "responses": {"200": {"description": "JavaScript", "content": {"text/javascript": {"schema": {"type": "string"}}}}}
            }},
            "/static/style.css": {"get": {
                "summary": "The style sheet",
                "tags": ["static"],
                "responses": {"200": {"description": "CSS", "content": {"text/css": {"schema": {"type": "string"}}}}}
            }},
            "/api/stories": {"get": {
                "summary": "Stories, most recently active first",
                "tags": ["stories"],
                "parameters": [limit()],
                "responses": {"200": json_ok("Stories", json!({"type": "array", "items": {"$ref": "#/components/schemas/StorySummary"}})),
                              "400": error_response("Bad parameter")}
            }},
            "/api/stories/{id}": {"get": {
                "summary": "A story's summary and claims with its latest statements and articles (300 and 200 unless asked otherwise)",
                "tags": ["stories"],
                "parameters": [
                    path_param("id", "The story's number"),
                    query_param("statements", "How many of the latest statements to give (0 to 1000; default 300)",
                        json!({"type": "integer", "minimum": 0, "maximum": 1000})),
                    query_param("articles", "How many of the latest original articles to give (0 to 1000; default 200)",
                        json!({"type": "integer", "minimum": 0, "maximum": 1000}))
                ],
                "responses": {"200": json_ok("The story", json!({"$ref": "#/components/schemas/StoryView"})),
                              "400": error_response("Bad parameter"),
                              "404": error_response("No such story")}
            }},
            "/api/stories/{id}/statements": {"get": {
                "summary": "A story's statements in the order said, a page at a time; places are the numbers claims use",
                "tags": ["stories"],
                "parameters": [
                    path_param("id", "The story's number"),
                    query_param("offset", "Place of the first statement to give (0, the earliest, by default)",
                        json!({"type": "integer", "minimum": 0})),
                    query_param("limit", "How many at most (1 to 1000; default 300)",
                        json!({"type": "integer", "minimum": 1, "maximum": 1000}))
                ],
                "responses": {"200": json_ok("A page of statements", json!({"$ref": "#/components/schemas/StoryPage"})),
                              "400": error_response("Bad parameter"),
                              "404": error_response("No such story")}
            }},
            "/api/stories/{id}/articles": {"get": {
                "summary": "A story's original articles (copies folded under them) oldest first, a page at a time",
                "tags": ["stories"],
                "parameters": [
                    path_param("id", "The story's number"),
                    query_param("offset", "Place of the first article to give (0, the oldest, by default)",
                        json!({"type": "integer", "minimum": 0})),
                    query_param("limit", "How many at most (1 to 1000; default 200)",
                        json!({"type": "integer", "minimum": 1, "maximum": 1000}))
                ],
                "responses": {"200": json_ok("A page of articles", json!({"$ref": "#/components/schemas/StoryPage"})),
                              "400": error_response("Bad parameter"),
                              "404": error_response("No such story")}
            }},
            "/api/articles/{id}": {"get": {
                "summary": "An article with its stored analysis",
                "tags": ["articles"],
                "parameters": [path_param("id", "The article's id")],
                "responses": {"200": json_ok("The article", json!({"type": "object", "properties": {
                                  "article": obj(), "fetched": {"type": "string", "format": "date-time"},
                                  "story": {"type": ["integer", "null"]},
                                  "analysis": {"oneOf": [{"$ref": "#/components/schemas/Analysis"}, {"type": "null"}]},
                                  "pipeline_version": {"type": ["string", "null"]}}})),
                              "404": error_response("No such article")}
            }},
            "/api/articles": {"post": {
                "summary": "Ingest one article (import record format) through the tracker",
                "tags": ["articles"],
                "security": [{"bearer": []}, {}],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ImportRecord"}}}},
                "responses": write_errors(json!({
                    "201": json_ok("Stored as a new article or a copy", json!({"type": "object", "properties": {
                        "outcome": {"enum": ["new", "copy", "repeat"]},
                        "article": {"type": "string", "description": "The stored article's id (for a repeat, the original's)"},
                        "original": {"type": ["string", "null"], "description": "For a copy or repeat: the stored original"},
                        "story": {"type": ["integer", "null"]}, "new_story": {"type": "boolean"}}})),
                    "200": json_ok("Already stored (same id, URL or text): recorded as a sighting of `original`", obj())
                }))
            }},
            "/api/speakers/{name}": {"get": {
                "summary": "A speaker's statements across stories",
                "tags": ["speakers"],
                "parameters": [path_param("name", "The speaker's name"), limit()],
                "responses": {"200": json_ok("The speaker", json!({"type": "object", "properties": {
                    "name": {"type": "string"}, "kind": {"type": ["string", "null"]},
                    "role": {"type": ["string", "null"]}, "country": {"type": ["string", "null"]},
                    "statements": {"type": "array", "items": {"$ref": "#/components/schemas/Statement"}}}})),
                    "400": error_response("Bad parameter")}
            }},
            "/api/search": {"get": {
                "summary": "Full-text search over articles, and the statements in them that match",
                "tags": ["search"],
                "parameters": [
                    {"name": "q", "in": "query", "required": true, "description": "Words that must all occur", "schema": {"type": "string"}},
                    limit()
                ],
                "responses": {"200": json_ok("Results", json!({"type": "object", "properties": {
                    "query": {"type": "string"},
                    "articles": {"type": "array", "items": {"type": "object", "properties": {
                        "id": {"type": "string"}, "title": {"type": ["string", "null"]},
                        "snippet": {"type": "string"}, "story": {"type": ["integer", "null"]}}}},
                    "statements": {"type": "array", "items": {"$ref": "#/components/schemas/Statement"}}}})),
                    "400": error_response("No query")}
            }},
            "/api/feeds": {
                "get": {
                    "summary": "Subscriptions with their health",
                    "tags": ["feeds"],
                    "responses": {"200": json_ok("Feeds", json!({"type": "array", "items": {"$ref": "#/components/schemas/Feed"}}))}
                },
                "post": {
                    "summary": "Subscribe to a feed, Telegram channel (https://t.me/s/NAME) or page",
                    "tags": ["feeds"],
                    "security": [{"bearer": []}, {}],
                    "requestBody": {"required": true, "content": {"application/json": {"schema": {
                        "type": "object", "required": ["url"], "additionalProperties": false,
                        "properties": {"url": {"type": "string"}, "kind": {"enum": ["feed", "telegram", "page"]}, "title": {"type": "string"}}
                    }}}},
                    "responses": write_errors(json!({
                        "201": json_ok("Subscribed", json!({"type": "object", "properties": {"added": {"type": "boolean"}, "feed": {"$ref": "#/components/schemas/Feed"}}})),
                        "200": json_ok("Already subscribed", obj())
                    }))
                },
                "delete": {
                    "summary": "Unsubscribe (articles already read stay)",
                    "tags": ["feeds"],
                    "security": [{"bearer": []}, {}],
                    "parameters": [{"name": "url", "in": "query", "required": true, "description": "The feed's address", "schema": {"type": "string"}}],
                    "responses": write_errors(json!({
                        "200": json_ok("Removed", json!({"type": "object", "properties": {"removed": {"type": "boolean"}, "url": {"type": "string"}}})),
                        "404": error_response("Not subscribed")
                    }))
                }
            },
            "/api/analyze": {"post": {
                "summary": "Analyse a text: the same JSON as `claimtrail analyze`",
                "tags": ["analysis"],
                "security": [{"bearer": []}, {}],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["text"], "additionalProperties": false,
                    "properties": {
                        "text": {"type": "string"},
                        "published": {"type": "string", "description": "YYYY-MM-DD or RFC 3339; anchors relative dates"},
                        "id": {"type": "string"},
                        "tokens": {"type": "boolean", "description": "Also list every token"}
                    }
                }}}},
                "responses": write_errors(json!({"200": json_ok("The analysis", json!({"$ref": "#/components/schemas/Analysis"}))}))
            }},
            "/api/events": {"get": {
                "summary": "Server-sent events: `ready` on connect, then `article` and `copy` (JSON data) as the tracker commits them",
                "tags": ["events"],
                "responses": {"200": {"description": "An event stream", "content": {"text/event-stream": {"schema": {"type": "string"}}}}}
            }},
            "/api/openapi.json": {"get": {
                "summary": "This document",
                "tags": ["meta"],
                "responses": {"200": json_ok("OpenAPI 3.1", obj())}
            }}
        }
    });
    add_watches(&mut doc);
    doc
}

/// The alert routes (`/api/watches...`), added to `doc` apart from the one `json!` above,
/// whose size is at the macro recursion limit.
fn add_watches(doc: &mut Value) {
    let watch = json!({"type": "object", "properties": {
        "id": {"type": "integer"},
        "kind": {"enum": ["speaker", "entity", "keyword", "claim"]},
        "value": {"type": "string"},
        "webhook": {"type": "string"},
        "secret_hint": {"type": "string", "description": "The secret's first characters"},
        "secret": {"type": "string", "description": "Only in the answer to POST: shown once"},
        "created": {"type": "string", "format": "date-time"}
    }});
    let delivery = json!({"type": "object", "properties": {
        "id": {"type": "integer", "description": "Sent as `X-Claimtrail-Delivery`"},
        "watch": {"type": "integer"},
        "key": {"type": "string"},
        "status": {"enum": ["pending", "delivered", "failed"]},
        "attempts": {"type": "integer"},
        "next_attempt": {"type": "string", "format": "date-time"},
        "last_error": {"type": ["string", "null"]},
        "created": {"type": "string", "format": "date-time"},
        "finished": {"type": ["string", "null"], "format": "date-time"},
        "event": {"type": "object", "description": "The JSON body POSTed: event, watch, article, story, matched, statements"}
    }});
    let id = path_param("id", "The watch's id");
    let paths = json!({
        "/api/watches": {
            "get": {
                "summary": "Watches (speaker, entity, keyword, claim) and their webhooks",
                "tags": ["alerts"],
                "responses": {"200": json_ok("Watches, oldest first", json!({"type": "array", "items": {"$ref": "#/components/schemas/Watch"}}))}
            },
            "post": {
                "summary": "Watch for a speaker, entity, keyword or claim; matches are POSTed to the webhook, signed with HMAC-SHA256 (`X-Claimtrail-Signature: sha256=HEX` over `TIMESTAMP.BODY`)",
                "tags": ["alerts"],
                "security": [{"bearer": []}, {}],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["kind", "value", "webhook"], "additionalProperties": false,
                    "properties": {
                        "kind": {"enum": ["speaker", "entity", "keyword", "claim"]},
                        "value": {"type": "string"},
                        "webhook": {"type": "string", "description": "http(s) URL; loopback, private and link-local addresses are refused unless the server allows them"},
                        "secret": {"type": "string", "description": "Default: 32 random bytes as hex, returned once"}
                    }
                }}}},
                "responses": write_errors(json!({
                    "201": json_ok("Added; the answer carries the secret, which is not shown again", json!({"$ref": "#/components/schemas/Watch"}))
                }))
            }
        },
        "/api/watches/{id}": {"delete": {
            "summary": "Stop watching (pending deliveries are dropped)",
            "tags": ["alerts"],
            "security": [{"bearer": []}, {}],
            "parameters": [id.clone()],
            "responses": write_errors(json!({
                "200": json_ok("Removed", json!({"type": "object", "properties": {"removed": {"type": "boolean"}, "id": {"type": "integer"}}})),
                "404": error_response("No such watch")
            }))
        }},
        "/api/watches/{id}/deliveries": {"get": {
            "summary": "The watch's deliveries, newest first, with status, attempts and last error",
            "tags": ["alerts"],
            "parameters": [id, limit()],
            "responses": {
                "200": json_ok("Deliveries", json!({"type": "array", "items": {"$ref": "#/components/schemas/Delivery"}})),
                "404": error_response("No such watch")
            }
        }}
    });
    if let (Some(all), Some(new)) = (doc["paths"].as_object_mut(), paths.as_object()) {
        all.extend(new.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    if let Some(schemas) = doc["components"]["schemas"].as_object_mut() {
        schemas.insert("Watch".into(), watch);
        schemas.insert("Delivery".into(), delivery);
    }
}
