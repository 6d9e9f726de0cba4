//! Live events: the tracker's events, fanned out to every open `/api/events` stream.
//!
//! The tracker hands out one `std::sync::mpsc` receiver per subscriber and sends on it from
//! whichever thread commits an article. The hub takes one such receiver, turns each event
//! into its JSON once, and republishes it on a `tokio::sync::broadcast` channel that any
//! number of streams read. So the tracker pays for one send per event however many browsers
//! are open, and a slow browser only loses its own oldest events (it is told with a `lagged`
//! event) instead of holding memory or slowing the tracker.
//!
//! Each stream starts with a `ready` event (so a client knows it is subscribed), carries the
//! event's `type` (`article`, `copy`) as the SSE event name and its JSON as data, and ends
//! when the server shuts down.

use crate::AppState;
use app::Tracker;
use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use std::convert::Infallible;
use std::sync::{Arc, Weak};
use std::time::Duration;
use tokio::sync::broadcast;

/// Events a slow stream may fall behind by before it starts losing the oldest.
const BACKLOG: usize = 1024;

/// One event, serialized once for every stream.
#[derive(Debug)]
pub struct Item {
    pub name: String,
    pub json: String,
}

#[derive(Clone)]
pub struct Hub {
    tx: Arc<broadcast::Sender<Arc<Item>>>,
}

impl Hub {
    /// Subscribes to the tracker and starts the thread that republishes its events. The
    /// thread ends once every clone of the hub is dropped.
    pub fn start(tracker: &Tracker) -> Hub {
        let (tx, _) = broadcast::channel(BACKLOG);
        let tx = Arc::new(tx);
        let weak: Weak<broadcast::Sender<Arc<Item>>> = Arc::downgrade(&tx);
        let rx = tracker.subscribe();
        let spawned = std::thread::Builder::new()
            .name("claimtrail-events".into())
            .spawn(move || forward(rx, weak));
        if let Err(e) = spawned {
            eprintln!("claimtrail server: live events are off: cannot start a thread: {e}");
        }
        Hub { tx }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Item>> {
        self.tx.subscribe()
    }
}

fn forward(rx: std::sync::mpsc::Receiver<app::Event>, hub: Weak<broadcast::Sender<Arc<Item>>>) {
    use std::sync::mpsc::RecvTimeoutError;
    loop {
        match rx.recv_timeout(Duration::from_secs(1)) {
            Ok(event) => {
                let Some(tx) = hub.upgrade() else { return };
                let json = serde_json::to_value(&event).unwrap_or_default();
                let name = json
                    .get("type")
                    .and_then(|t| t.as_str())
                    .unwrap_or("event")
                    .to_string();
                // An error only means no stream is open right now.
                let _ = tx.send(Arc::new(Item {
                    name,
                    json: json.to_string(),
                }));
            }
            Err(RecvTimeoutError::Timeout) => {
                if hub.strong_count() == 0 {
                    return;
                }
            }
            Err(RecvTimeoutError::Disconnected) => return,
        }
    }
}

/// `GET /api/events`: the event stream.
pub async fn stream(
    State(state): State<AppState>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let rx = state.events.subscribe();
    let shutdown = state.shutdown.clone();
    let ready = Event::default().event("ready").data("{}");
    let first = futures_util::stream::once(async move { Ok::<_, Infallible>(ready) });
    let rest = futures_util::stream::unfold((rx, shutdown), |(mut rx, mut shutdown)| async move {
        loop {
            if *shutdown.borrow() {
                return None;
            }
            tokio::select! {
                changed = shutdown.changed() => {
                    if changed.is_err() {
                        return None; // the server is gone
                    }
                }
                got = rx.recv() => match got {
                    Ok(item) => {
                        let e = Event::default().event(&item.name).data(&item.json);
                        return Some((Ok(e), (rx, shutdown)));
                    }
                    Err(broadcast::error::RecvError::Lagged(n)) => {
                        let e = Event::default()
                            .event("lagged")
                            .data(format!("{{\"missed\":{n}}}"));
                        return Some((Ok(e), (rx, shutdown)));
                    }
                    Err(broadcast::error::RecvError::Closed) => return None,
                },
            }
        }
    });
    use futures_util::StreamExt;
    Sse::new(first.chain(rest)).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}
