//! S6 in a real browser: headless Chromium, driven through ChromeDriver (WebDriver, by the
//! `fantoccini` crate), plays the seed's second situation against the service on
//! loopback: opened with the token the flow shows; reloaded it still does (the token moved
//! to `sessionStorage`, out of the address bar); closed and opened in a new window it shows
//! "Session expired". Also a one-time link, and an expired inquiry.
//!
//! Needs Debian's `chromium` and `chromium-driver` (`.ci/run` installs them):
//! `cargo test -p inquiry-lifecycle-server --test browser -- --ignored`. Paths can be set
//! with `INQUIRY_CHROMEDRIVER` and `INQUIRY_CHROMIUM`. `UPDATE_SCREENSHOTS=1` writes the
//! screens it saw to `docs/screenshots/`.

mod common;

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::{advance, answers, call, create, free_port, service};
use fantoccini::wd::Capabilities;
use fantoccini::{Client, ClientBuilder, Locator};
use reqwest::{Method, StatusCode};
use serde_json::json;

/// ChromeDriver on a free loopback port, stopped when dropped.
struct Driver {
    child: Child,
    url: String,
}

impl Driver {
    async fn start() -> Driver {
        let program = std::env::var("INQUIRY_CHROMEDRIVER").unwrap_or("chromedriver".into());
        let port = free_port();
        let child = Command::new(&program)
            .args([format!("--port={port}"), "--allowed-ips=127.0.0.1".into()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {program} (install chromium-driver): {e}"));
        let driver = Driver {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        assert!(
            answers(&format!("{}/status", driver.url)).await,
            "{program} did not answer on {} within 10 s",
            driver.url
        );
        driver
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn browser(driver: &Driver) -> Client {
    let binary = std::env::var("INQUIRY_CHROMIUM").unwrap_or("/usr/bin/chromium".into());
    let profile = std::env::temp_dir().join(format!("inquiry-chromium-{}", std::process::id()));
    let mut capabilities = Capabilities::new();
    capabilities.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": binary,
            // Headless, as root, on a machine with no network but loopback.
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--window-size=720,520",
                format!("--user-data-dir={}", profile.display()),
            ],
        }),
    );
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    ClientBuilder::new(connector)
        .capabilities(capabilities)
        .connect(&driver.url)
        .await
        .expect("ChromeDriver starts a Chromium session")
}

/// The screen the page settled on (`data-screen`) and its title.
async fn screen(browser: &Client) -> (String, String) {
    let main = browser
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("main:not([data-screen='loading'])"))
        .await
        .expect("the page settles on a screen");
    let screen = main.attr("data-screen").await.unwrap().unwrap();
    let title = browser
        .find(Locator::Id("title"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    (screen, title)
}

async fn keep_screenshot(browser: &Client, name: &str) {
    let png = browser.screenshot().await.unwrap();
    assert!(png.starts_with(b"\x89PNG"), "a PNG");
    if std::env::var_os("UPDATE_SCREENSHOTS").is_some() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/screenshots");
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(format!("{dir}/{name}.png"), png).unwrap();
    }
}

async fn simulate(base: &str, id: &str, actions: &[&str]) -> serde_json::Value {
    let url = format!("{base}/api/v1/inquiries/{id}/perform-simulate-actions");
    let (status, body, _) = call(
        Method::POST,
        &url,
        Some(json!({"meta": {"actions": actions}})),
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

#[tokio::test]
#[ignore = "needs Chromium and ChromeDriver (Debian's chromium, chromium-driver); .ci/run runs it"]
async fn s6_the_seeds_second_situation_in_headless_chromium() {
    let base = service().await;
    let driver = Driver::start().await;
    let browser = browser(&driver).await;

    let id = create(&base).await;
    let started = simulate(&base, &id, &["start_inquiry"]).await;
    let token = started["meta"]["session-token"].as_str().unwrap();

    // Opened with the token (the seed's hand-off): the flow.
    let address = format!("{base}/verify?inquiry-id={id}&session-token={token}");
    browser.goto(&address).await.unwrap();
    assert_eq!(
        screen(&browser).await,
        ("flow".into(), "Continue your verification".into())
    );
    keep_screenshot(&browser, "flow").await;
    // The token left the address bar for this window's sessionStorage.
    let url = browser.current_url().await.unwrap();
    assert_eq!(url.as_str(), format!("{base}/verify?inquiry-id={id}"));
    let kept = browser
        .execute(
            "return sessionStorage.getItem('inquiry-session-token:' + arguments[0]);",
            vec![json!(id)],
        )
        .await
        .unwrap();
    assert_eq!(kept, json!(token));

    // Reloaded in the same window: still the flow, from sessionStorage.
    browser.refresh().await.unwrap();
    assert_eq!(screen(&browser).await.0, "flow");

    // Closed, and opened again in a new window: no token, "Session expired".
    let first = browser.window().await.unwrap();
    let opened = browser.new_window(false).await.unwrap();
    browser.switch_to_window(first).await.unwrap();
    browser.close_window().await.unwrap();
    browser.switch_to_window(opened.handle).await.unwrap();
    browser
        .goto(&format!("{base}/verify?inquiry-id={id}"))
        .await
        .unwrap();
    assert_eq!(
        screen(&browser).await,
        ("session-expired".into(), "Session expired".into())
    );
    let message = browser
        .find(Locator::Id("message"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(message.contains("Ask for a new link"), "{message}");
    keep_screenshot(&browser, "session-expired").await;

    // A one-time link, opened in this new window: redeemed, then the flow; no code left
    // in the address bar.
    let url = format!("{base}/api/v1/inquiries/{id}/generate-one-time-link");
    let (status, body, _) = call(Method::POST, &url, None, &[]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let link = body["meta"]["one-time-link"].as_str().unwrap();
    let code = link.split("&code=").nth(1).unwrap();
    browser
        .goto(&format!("{base}/verify?inquiry-id={id}&code={code}"))
        .await
        .unwrap();
    assert_eq!(screen(&browser).await.0, "flow");
    let url = browser.current_url().await.unwrap();
    assert!(!url.as_str().contains("code="), "{url}");

    // Past the deadline: the expired screen, token or not.
    advance(&base, "25h").await;
    browser.refresh().await.unwrap();
    assert_eq!(
        screen(&browser).await,
        (
            "inquiry-expired".into(),
            "This verification has expired".into()
        )
    );

    browser.close().await.unwrap();
}
