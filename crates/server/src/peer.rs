//! The client's network address, for per-address throttling: the TCP peer, as
//! `serve` records it. `X-Forwarded-For` is not trusted (anyone can send it);
//! behind a reverse proxy every client therefore shares the proxy's address.

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use std::convert::Infallible;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};

/// The peer's IP address. Without connection info (a router served without
/// `into_make_service_with_connect_info`), every request counts under one shared
/// address: stricter, never unthrottled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeerAddress(pub IpAddr);

impl<S: Send + Sync> FromRequestParts<S> for PeerAddress {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Infallible> {
        Ok(PeerAddress(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map_or(IpAddr::V6(Ipv6Addr::UNSPECIFIED), |c| c.0.ip()),
        ))
    }
}
