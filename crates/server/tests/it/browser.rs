//! A real browser (Debian's chromium, headless, through chromedriver and fantoccini): the
//! front page lists the sample story, the story page shows its claims section, an article
//! posted to the API appears on an open page without a reload, and a `<script>` title is
//! shown as text and never run.
//!
//! chromedriver is looked for in `CHROMEDRIVER`, then /usr/bin/chromedriver, then PATH;
//! `.ci/run` installs it. Without it the test fails and says how to install it, unless
//! `CLAIMTRAIL_SKIP_BROWSER=1`. Nothing is written to disk: no screenshots.

use crate::support::{post_json, sample_story, start, tracker_with_sample, unique};
use fantoccini::{ClientBuilder, Locator};
use serde_json::json;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// Bound on each wait for the page, so a broken build fails instead of hanging.
const WAIT: Duration = Duration::from_secs(60);

fn chromedriver() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("CHROMEDRIVER").map(PathBuf::from) {
        return Some(p);
    }
    let usual = PathBuf::from("/usr/bin/chromedriver");
    if usual.is_file() {
        return Some(usual);
    }
    std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|d| d.join("chromedriver"))
            .find(|p| p.is_file())
    })
}

fn chromium() -> Option<PathBuf> {
    [
        "/usr/bin/chromium",
        "/usr/bin/chromium-browser",
        "/usr/bin/google-chrome",
    ]
    .iter()
    .map(PathBuf::from)
    .find(|p| p.is_file())
}

/// Kills chromedriver however the test ends.
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

fn start_driver(path: &PathBuf) -> (Driver, u16) {
    let port = free_port();
    let child = Command::new(path)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", path.display()));
    let driver = Driver(child);
    for _ in 0..200 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return (driver, port);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("chromedriver did not listen on port {port}");
}

#[test]
fn the_ui_works_in_a_real_browser() {
    let Some(driver_path) = chromedriver() else {
        if std::env::var("CLAIMTRAIL_SKIP_BROWSER").as_deref() == Ok("1") {
            eprintln!("skipping the browser test: CLAIMTRAIL_SKIP_BROWSER=1 and no chromedriver");
            return;
        }
        panic!(
            "the browser test needs chromedriver and chromium: \
             `apt-get install -y chromium chromium-driver` (as .ci/run does), or set \
             CHROMEDRIVER=/path/to/chromedriver, or CLAIMTRAIL_SKIP_BROWSER=1 to skip it"
        );
    };
    // A server of its own: the test watches for a story list change nobody else makes.
    let server = start(
        tracker_with_sample(),
        server::Config::new("127.0.0.1:0".parse().unwrap()),
    );
    let base = server.base.clone();
    let (_driver, port) = start_driver(&driver_path);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(drive(&base, port));
    server.stop().unwrap();
}

async fn drive(base: &str, port: u16) {
    let mut options = json!({
        "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--window-size=1280,1000"]
    });
    if let Some(bin) = chromium() {
        options["binary"] = json!(bin.display().to_string());
    }
    let mut caps = serde_json::Map::new();
    caps.insert("goog:chromeOptions".into(), options);
    let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("a chromium session through chromedriver");
    let result = steps(&client, base).await;
    let _ = client.close().await;
    if let Err(e) = result {
        panic!("{e}");
    }
}

async fn steps(c: &fantoccini::Client, base: &str) -> Result<(), String> {
    let err = |what: &str| {
        let what = what.to_string();
        move |e: fantoccini::error::CmdError| format!("{what}: {e}")
    };
    // 1. The front page lists the sample story.
    c.goto(&format!("{base}/")).await.map_err(err("open /"))?;
    let stories = c
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Id("stories"))
        .await
        .map_err(err("find #stories"))?;
    let text = stories.text().await.map_err(err("read #stories"))?;
    if !text.contains("Estmark") {
        return Err(format!("the sample story is not listed: {text}"));
    }

    // 2. The story page shows the claims section.
    let id = tokio::task::spawn_blocking({
        let base = base.to_string();
        move || sample_story(&base)
    })
    .await
    .map_err(|e| e.to_string())?;
    c.goto(&format!("{base}/stories/{id}"))
        .await
        .map_err(err("open story"))?;
    let claims = c
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css("section#claims"))
        .await
        .map_err(err("find #claims"))?;
    let text = claims.text().await.map_err(err("read #claims"))?;
    if !text.contains("Claims") {
        return Err(format!("the claims section is empty: {text}"));
    }
    // The sample story has claims: the matrix is there, with a stance in some cell.
    let cells = claims
        .find_all(Locator::Css("table.matrix td.stance"))
        .await
        .map_err(err("find matrix cells"))?;
    let mut stances = Vec::new();
    for cell in cells {
        stances.push(cell.text().await.map_err(err("read a cell"))?);
    }
    if !stances.iter().any(|s| !s.is_empty()) {
        return Err(format!("the claims matrix has no stance: {text}"));
    }

    // 3. An article posted to the API appears on the open front page without a reload.
    c.goto(&format!("{base}/"))
        .await
        .map_err(err("open / again"))?;
    c.wait()
        .at_most(WAIT)
        .for_element(Locator::Css("html[data-live='ready']"))
        .await
        .map_err(err("wait for the event stream"))?;
    // A marker that a reload would wipe.
    c.execute("window.claimtrailMarker = 42; return true;", vec![])
        .await
        .map_err(err("set marker"))?;
    let word = unique("Quorra");
    let title = format!("<script>alert(1)</script> {word} ferry strike");
    let body = json!({
        "title": title,
        "source": "Browser Test",
        "text": format!("Ferry crews in {word} went on strike on Monday, the union said. <script>alert(2)</script>")
    });
    let posted = tokio::task::spawn_blocking({
        let url = format!("{base}/api/articles");
        move || post_json(&url, &body)
    })
    .await
    .map_err(|e| e.to_string())?;
    if posted.status != 201 {
        return Err(format!(
            "POST /api/articles: {} {}",
            posted.status, posted.body
        ));
    }
    let xpath = format!("//ul[@id='live-list']//a[contains(., '{word}')]");
    let live = c
        .wait()
        .at_most(WAIT)
        .for_element(Locator::XPath(&xpath))
        .await
        .map_err(err("the new article in the live list"))?;
    let shown = live.text().await.map_err(err("read live item"))?;
    if shown != title {
        return Err(format!(
            "the title is not shown as text: {shown:?} (expected {title:?})"
        ));
    }
    let in_list = format!("//ol[@id='stories']//a[contains(., '{word}')]");
    c.wait()
        .at_most(WAIT)
        .for_element(Locator::XPath(&in_list))
        .await
        .map_err(err("the new story in the story list"))?;
    let marker = c
        .execute("return window.claimtrailMarker || null;", vec![])
        .await
        .map_err(err("read marker"))?;
    if marker != json!(42) {
        return Err(format!("the page was reloaded (marker {marker})"));
    }

    // 4. The <script> title is text on the article page too, and no script ran.
    let article = posted.json()["article"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    c.goto(&format!("{base}/articles/{article}"))
        .await
        .map_err(err("open article"))?;
    let h1 = c
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css("h1"))
        .await
        .map_err(err("find h1"))?;
    let h1 = h1.text().await.map_err(err("read h1"))?;
    if h1 != title {
        return Err(format!("the article title is not shown as text: {h1:?}"));
    }
    if let Ok(alert) = c.get_alert_text().await {
        return Err(format!("a script from the feed ran: alert {alert:?}"));
    }
    let injected = c
        .find_all(Locator::XPath("//script[not(@src='/static/app.js')]"))
        .await
        .map_err(err("look for scripts"))?;
    if !injected.is_empty() {
        return Err(format!("{} script elements besides app.js", injected.len()));
    }
    Ok(())
}
