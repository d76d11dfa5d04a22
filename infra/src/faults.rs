//! A TCP proxy between functions and one of their dependencies that can be switched off at run
//! time: while it is down it closes new and open connections, as an unreachable endpoint would.
//! Functions are pointed at it through their endpoint variables, so they run unchanged.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

pub struct Proxy {
    pub addr: SocketAddr,
    down: watch::Sender<bool>,
    refused: AtomicU64,
}

impl Proxy {
    /// Starts forwarding a loopback port to `upstream` on the current runtime.
    pub async fn start(upstream: SocketAddr) -> std::io::Result<Arc<Proxy>> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let (down, _) = watch::channel(false);
        let proxy = Arc::new(Proxy { addr: listener.local_addr()?, down, refused: AtomicU64::new(0) });
        let accepting = proxy.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                if *accepting.down.borrow() {
                    accepting.refused.fetch_add(1, Ordering::SeqCst);
                    drop(client);
                    continue;
                }
                let mut went_down = accepting.down.subscribe();
                tokio::spawn(async move {
                    let Ok(mut server) = TcpStream::connect(upstream).await else { return };
                    let mut client = client;
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                        _ = went_down.wait_for(|down| *down) => {}
                    }
                });
            }
        });
        Ok(proxy)
    }

    /// Down: every connection is closed until it is up again.
    pub fn set_down(&self, down: bool) {
        self.down.send_replace(down);
    }

    /// How many connections were refused while down.
    pub fn refused(&self) -> u64 {
        self.refused.load(Ordering::SeqCst)
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}
