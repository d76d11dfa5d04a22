//! A fault injector between functions and one of their dependencies (DynamoDB Local, LocalStack's
//! SQS or EventBridge). Functions are pointed at it through their endpoint variables, so they run
//! unchanged: every fault comes from the endpoint they were given.
//!
//! It is an HTTP/1.1 proxy, so a fault is drawn per request, on pooled keep-alive connections
//! too (a TCP-level switch would only ever touch new connections):
//! - `Refuse`: the connection is closed before anything is read (new connections are dropped at
//!   accept, open ones at their next request), as an endpoint that is down;
//! - `Reset`: the connection is cut after the request head arrived, before anything is forwarded;
//! - `DropReply`: the request is forwarded and answered upstream, then the connection is cut
//!   before the answer is sent back: the write happened, the caller never learns it;
//! - `Latency`: the request waits before it is forwarded.
//!
//! Faults are switched at run time (`inject`, `heal`) and counted. A `Tamper` rewrites request
//! bodies on their way: the bank test's mutation check uses it to strip a condition, proving the
//! checker notices when a guarantee is switched off.

pub use http::HeaderMap;
use http_body_util::{BodyExt, Full};
pub use hyper::body::Bytes;
use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use rand::Rng;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    Refuse,
    Reset,
    DropReply,
    Latency(Duration),
}

impl Fault {
    pub fn name(&self) -> &'static str {
        match self {
            Fault::Refuse => "refuse",
            Fault::Reset => "reset",
            Fault::DropReply => "drop-reply",
            Fault::Latency(_) => "latency",
        }
    }
}

/// Rewrites a request body (headers give the operation, e.g. `x-amz-target`).
pub type Tamper = Arc<dyn Fn(&HeaderMap, Bytes) -> Bytes + Send + Sync>;

/// How many requests (or connections, for `refused`) each fault has hit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Injected {
    pub refused: u64,
    pub reset: u64,
    pub dropped_replies: u64,
    pub delayed: u64,
    pub tampered: u64,
}

impl Injected {
    pub fn total(&self) -> u64 {
        self.refused + self.reset + self.dropped_replies + self.delayed + self.tampered
    }
}

#[derive(Default)]
struct Counters {
    refused: AtomicU64,
    reset: AtomicU64,
    dropped_replies: AtomicU64,
    delayed: AtomicU64,
    tampered: AtomicU64,
}

pub struct Proxy {
    pub addr: SocketAddr,
    upstream: String,
    /// The fault in force and the share of requests it hits (0.0 ..= 1.0).
    plan: Mutex<Option<(Fault, f64)>>,
    tamper: Mutex<Option<Tamper>>,
    counters: Counters,
    client: reqwest::Client,
}

impl Proxy {
    /// Starts forwarding a loopback port to `upstream` on the current runtime.
    pub async fn start(upstream: SocketAddr) -> std::io::Result<Arc<Proxy>> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        // A plain client: no proxy from the environment, no redirects followed on anyone's behalf.
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(64)
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(std::io::Error::other)?;
        let proxy = Arc::new(Proxy {
            addr: listener.local_addr()?,
            upstream: format!("http://{upstream}"),
            plan: Mutex::new(None),
            tamper: Mutex::new(None),
            counters: Counters::default(),
            client,
        });
        let accepting = proxy.clone();
        tokio::spawn(async move {
            loop {
                let stream = match listener.accept().await {
                    Ok((stream, _)) => stream,
                    Err(error) => {
                        // Out of descriptors, or a connection aborted before it was accepted:
                        // the proxy stays up.
                        tracing::warn!(%error, "fault proxy: accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                if accepting.draw() == Some(Fault::Refuse) {
                    accepting.counters.refused.fetch_add(1, Ordering::SeqCst);
                    let _ = stream.set_zero_linger(); // closed with a reset, as a refusal is
                    continue;
                }
                tokio::spawn(serve_connection(accepting.clone(), stream));
            }
        });
        Ok(proxy)
    }

    /// From now on, `fault` hits each request (and each new connection) with `probability`.
    pub fn inject(&self, fault: Fault, probability: f64) {
        *self.plan.lock().expect("lock") = Some((fault, probability.clamp(0.0, 1.0)));
    }

    /// No more faults (a tamper stays until `set_tamper(None)`).
    pub fn heal(&self) {
        *self.plan.lock().expect("lock") = None;
    }

    /// Down: every connection is refused until it is up again.
    pub fn set_down(&self, down: bool) {
        if down {
            self.inject(Fault::Refuse, 1.0);
        } else {
            self.heal();
        }
    }

    pub fn set_tamper(&self, tamper: Option<Tamper>) {
        *self.tamper.lock().expect("lock") = tamper;
    }

    /// How many connections or requests were refused.
    pub fn refused(&self) -> u64 {
        self.counters.refused.load(Ordering::SeqCst)
    }

    pub fn injected(&self) -> Injected {
        let c = &self.counters;
        Injected {
            refused: c.refused.load(Ordering::SeqCst),
            reset: c.reset.load(Ordering::SeqCst),
            dropped_replies: c.dropped_replies.load(Ordering::SeqCst),
            delayed: c.delayed.load(Ordering::SeqCst),
            tampered: c.tampered.load(Ordering::SeqCst),
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The fault for one request or connection, if one hits it.
    fn draw(&self) -> Option<Fault> {
        let (fault, probability) = (*self.plan.lock().expect("lock"))?;
        rand::rng().random_bool(probability).then_some(fault)
    }

    /// Forwards one request, or fails it as the drawn fault says. `cut` closes the connection.
    async fn forward(&self, request: Request<Incoming>, cut: &Notify) -> Option<Response<Full<Bytes>>> {
        let fault = self.draw();
        match fault {
            Some(Fault::Refuse) => {
                self.counters.refused.fetch_add(1, Ordering::SeqCst);
                return None;
            }
            Some(Fault::Reset) => {
                self.counters.reset.fetch_add(1, Ordering::SeqCst);
                return None;
            }
            Some(Fault::Latency(delay)) => {
                self.counters.delayed.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(delay).await;
            }
            Some(Fault::DropReply) | None => {}
        }
        let (parts, body) = request.into_parts();
        let mut body = body.collect().await.ok()?.to_bytes();
        let tamper = self.tamper.lock().expect("lock").clone();
        if let Some(tamper) = tamper {
            let changed = tamper(&parts.headers, body.clone());
            if changed != body {
                self.counters.tampered.fetch_add(1, Ordering::SeqCst);
            }
            body = changed;
        }
        let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
        // `Host` passes unchanged (the emulators ignore it; signatures cover it).
        let mut headers = parts.headers;
        strip_hop_by_hop(&mut headers);
        // An upstream failure reaches the caller as a cut connection, as it would without us.
        let answer = self
            .client
            .request(parts.method, format!("{}{path}", self.upstream))
            .headers(headers)
            .body(body)
            .send()
            .await
            .ok()?;
        let mut response = Response::builder().status(answer.status());
        let mut answer_headers = answer.headers().clone();
        strip_hop_by_hop(&mut answer_headers);
        for (name, value) in &answer_headers {
            response = response.header(name, value);
        }
        let bytes = answer.bytes().await.ok()?;
        if fault == Some(Fault::DropReply) {
            self.counters.dropped_replies.fetch_add(1, Ordering::SeqCst);
            cut.notify_one();
            return None;
        }
        response.body(Full::new(bytes)).ok()
    }
}

/// Headers that belong to one connection (RFC 9110 7.6.1), not to the message, and the length,
/// which the next hop sets again.
fn strip_hop_by_hop(headers: &mut HeaderMap) {
    let named: Vec<String> = headers
        .get_all("connection")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(',').map(|t| t.trim().to_ascii_lowercase()))
        .collect();
    for name in named.iter().map(String::as_str).chain([
        "connection",
        "keep-alive",
        "proxy-connection",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "content-length",
    ]) {
        headers.remove(name);
    }
}

/// One client connection: requests are served in turn until the client leaves or a fault cuts it.
async fn serve_connection(proxy: Arc<Proxy>, stream: TcpStream) {
    // A second handle on the socket, to end a cut connection with a reset, not a graceful close.
    let Ok((stream, shadow)) = with_shadow(stream) else { return };
    let cut = Arc::new(Notify::new());
    let service = {
        let cut = cut.clone();
        hyper::service::service_fn(move |request| {
            let (proxy, cut) = (proxy.clone(), cut.clone());
            async move {
                match proxy.forward(request, &cut).await {
                    Some(response) => Ok::<_, Infallible>(response),
                    None => {
                        // Closing the connection drops this future: nothing is ever answered.
                        cut.notify_one();
                        std::future::pending().await
                    }
                }
            }
        })
    };
    let connection = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service);
    tokio::select! {
        _ = connection => {}
        _ = cut.notified() => {
            let _ = shadow.set_zero_linger();
        }
    }
}

fn with_shadow(stream: TcpStream) -> std::io::Result<(TcpStream, TcpStream)> {
    let stream = stream.into_std()?;
    let shadow = stream.try_clone()?;
    Ok((TcpStream::from_std(stream)?, TcpStream::from_std(shadow)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    /// An upstream that counts the requests it served.
    async fn upstream() -> (SocketAddr, Arc<AtomicUsize>) {
        let served = Arc::new(AtomicUsize::new(0));
        let counter = served.clone();
        let app = axum::Router::new().fallback(move |body: Bytes| {
            let counter = counter.clone();
            async move {
                counter.fetch_add(1, Ordering::SeqCst);
                body
            }
        });
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        (addr, served)
    }

    async fn post(client: &reqwest::Client, proxy: &Proxy, body: &'static str) -> Result<String, reqwest::Error> {
        client.post(proxy.url()).body(body).send().await?.text().await
    }

    /// Each fault does what it says, on one pooled keep-alive connection as on new ones: a
    /// dropped reply reaches upstream but never the caller; refused and reset requests never reach
    /// upstream; a tamper rewrites the body on its way; healed, requests pass untouched.
    #[tokio::test]
    async fn each_fault_hits_requests_as_named_and_heals() {
        let (addr, served) = upstream().await;
        let proxy = Proxy::start(addr).await.unwrap();
        let client = reqwest::Client::new();
        assert_eq!(post(&client, &proxy, "one").await.unwrap(), "one");

        proxy.inject(Fault::DropReply, 1.0);
        assert!(post(&client, &proxy, "two").await.is_err(), "the caller never gets the answer");
        assert_eq!(served.load(Ordering::SeqCst), 2, "but upstream served it");

        for fault in [Fault::Refuse, Fault::Reset] {
            proxy.inject(fault, 1.0);
            assert!(post(&client, &proxy, "lost").await.is_err(), "{fault:?}");
            assert_eq!(served.load(Ordering::SeqCst), 2, "{fault:?} never reaches upstream");
        }

        proxy.inject(Fault::Latency(Duration::from_millis(200)), 1.0);
        let started = std::time::Instant::now();
        assert_eq!(post(&client, &proxy, "slow").await.unwrap(), "slow");
        assert!(started.elapsed() >= Duration::from_millis(200));

        proxy.heal();
        proxy.set_tamper(Some(Arc::new(|_: &HeaderMap, body: Bytes| Bytes::from(body.to_ascii_uppercase()))));
        assert_eq!(post(&client, &proxy, "quiet").await.unwrap(), "QUIET");
        let injected = proxy.injected();
        assert_eq!((injected.dropped_replies, injected.delayed, injected.tampered), (1, 1, 1), "{injected:?}");
        assert!(injected.refused >= 1 && injected.reset == 1, "{injected:?}");
    }
}
