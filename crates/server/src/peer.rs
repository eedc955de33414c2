//! The client's network address, for per-address throttling and the audit log:
//! the TCP peer, as `serve` records it, unless that peer is one of the operator's
//! `trusted_proxies`; then the rightmost `X-Forwarded-For` address that is not a
//! trusted proxy (`buckle_core::forwarded`). `X-Forwarded-For` from any other peer
//! is ignored: anyone can send it.

use crate::AppState;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use std::convert::Infallible;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};

/// The client's IP address. Without connection info (a router served without
/// `into_make_service_with_connect_info`), every request counts under one shared
/// address: stricter, never unthrottled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeerAddress(pub IpAddr);

impl FromRequestParts<AppState> for PeerAddress {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Infallible> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::V6(Ipv6Addr::UNSPECIFIED), |c| c.0.ip());
        let trusted = &state.config.trusted_proxies;
        if trusted.is_empty() {
            return Ok(PeerAddress(peer));
        }
        // A header value that is not visible ASCII is malformed: it ends the walk
        // like a bad entry would.
        let values = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .map(|v| v.to_str().unwrap_or("?"));
        Ok(PeerAddress(trusted.client_address(peer, values)))
    }
}
