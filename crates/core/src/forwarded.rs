//! The client's address behind trusted reverse proxies: which `X-Forwarded-For`
//! entries to believe. Only a proxy the operator named may speak for a client, and
//! only the entries it and the trusted proxies before it appended are believed:
//! the walk goes from the right (the entry the nearest proxy wrote) and stops at
//! the first address that is not a trusted proxy. Anything left of that was
//! written by the client and may be forged.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

/// One trusted network: an address and a prefix length (`10.0.0.0/8`, `::1/128`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Network {
    address: IpAddr,
    prefix: u8,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not an IP address or a CIDR network (such as 10.0.0.0/8 or fd00::/8)")]
pub struct BadNetwork(pub String);

impl FromStr for Network {
    type Err = BadNetwork;

    fn from_str(text: &str) -> Result<Network, BadNetwork> {
        let bad = || BadNetwork(text.to_string());
        let trimmed = text.trim();
        let (addr, prefix) = match trimmed.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (trimmed, None),
        };
        let address = canonical(addr.parse::<IpAddr>().map_err(|_| bad())?);
        let max = if address.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            // Digits only: `u8::from_str` would also take a leading `+`.
            Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => {
                p.parse::<u8>().map_err(|_| bad())?
            }
            Some(_) => return Err(bad()),
        };
        if prefix > max {
            return Err(bad());
        }
        Ok(Network { address, prefix })
    }
}

impl fmt::Display for Network {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.address, self.prefix)
    }
}

impl Network {
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.address, canonical(ip)) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// An IPv4 address written as IPv6 (`::ffff:10.0.0.1`, as a dual-stack socket
/// reports IPv4 peers) is the IPv4 address: one client, one throttling bucket.
pub fn canonical(ip: IpAddr) -> IpAddr {
    ip.to_canonical()
}

/// The proxies whose `X-Forwarded-For` is believed. Empty (the default): none,
/// and the TCP peer is the client.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<Network>);

/// As the configuration writes it: a list of networks.
impl serde::Serialize for TrustedProxies {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(Network::to_string))
    }
}

impl TrustedProxies {
    /// Parses each entry; the first bad one is the error.
    pub fn parse<S: AsRef<str>>(entries: &[S]) -> Result<TrustedProxies, BadNetwork> {
        entries
            .iter()
            .map(|e| e.as_ref().parse())
            .collect::<Result<_, _>>()
            .map(TrustedProxies)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn networks(&self) -> &[Network] {
        &self.0
    }

    pub fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|n| n.contains(ip))
    }

    /// The client's address for a connection from `peer` carrying these
    /// `X-Forwarded-For` header values (in the order they arrived). From an
    /// untrusted peer the headers are ignored. Otherwise the entries (all headers'
    /// entries, in order) are walked from the right: a trusted proxy's address
    /// moves on, the first untrusted address is the client, and a malformed entry
    /// ends the walk at the last good address (everything left of it is unknown).
    pub fn client_address<'a>(
        &self,
        peer: IpAddr,
        forwarded_for: impl IntoIterator<Item = &'a str>,
    ) -> IpAddr {
        let peer = canonical(peer);
        if !self.trusts(peer) {
            return peer;
        }
        let entries: Vec<&str> = forwarded_for
            .into_iter()
            .flat_map(|value| value.split(','))
            .collect();
        let mut client = peer;
        for entry in entries.iter().rev() {
            let Some(ip) = forwarded_entry(entry) else {
                return client;
            };
            client = ip;
            if !self.trusts(ip) {
                return client;
            }
        }
        client
    }
}

/// One `X-Forwarded-For` entry: an address, optionally with a port as some
/// proxies write it (`192.0.2.1:4711`, `[2001:db8::1]:4711`); `None` otherwise.
fn forwarded_entry(entry: &str) -> Option<IpAddr> {
    let entry = entry.trim();
    if let Ok(ip) = entry.parse::<IpAddr>() {
        return Some(canonical(ip));
    }
    if let Ok(sock) = entry.parse::<std::net::SocketAddr>() {
        return Some(canonical(sock.ip()));
    }
    // A bracketed IPv6 address without a port.
    let inner = entry.strip_prefix('[')?.strip_suffix(']')?;
    inner
        .parse::<std::net::Ipv6Addr>()
        .ok()
        .map(|ip| canonical(IpAddr::V6(ip)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn proxies(list: &[&str]) -> TrustedProxies {
        TrustedProxies::parse(list).unwrap()
    }

    #[test]
    fn networks_parse_addresses_and_prefixes() {
        assert_eq!(
            "10.0.0.0/8".parse::<Network>().unwrap().to_string(),
            "10.0.0.0/8"
        );
        assert_eq!(
            "192.0.2.7".parse::<Network>().unwrap().to_string(),
            "192.0.2.7/32"
        );
        assert_eq!("::1".parse::<Network>().unwrap().to_string(), "::1/128");
        assert_eq!(
            " fd00::/8 ".parse::<Network>().unwrap().to_string(),
            "fd00::/8"
        );
        for bad in [
            "",
            "10.0.0.0/33",
            "::/129",
            "10.0.0.0/",
            "10.0.0.0/+8",
            "10.0.0/8",
            "proxy",
            "1.2.3.4/8/8",
        ] {
            assert!(bad.parse::<Network>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn networks_contain_their_addresses_only() {
        let n: Network = "10.1.0.0/16".parse().unwrap();
        assert!(n.contains(ip("10.1.255.3")));
        assert!(!n.contains(ip("10.2.0.1")));
        assert!(n.contains(ip("::ffff:10.1.0.9")), "IPv4-mapped is IPv4");
        assert!(!n.contains(ip("fd00::1")));
        let all: Network = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains(ip("203.0.113.9")));
        let v6: Network = "fd00::/8".parse().unwrap();
        assert!(v6.contains(ip("fd12::1")) && !v6.contains(ip("fe80::1")));
    }

    #[test]
    fn without_trusted_proxies_the_peer_is_the_client() {
        let none = TrustedProxies::default();
        assert_eq!(
            none.client_address(ip("198.51.100.1"), ["203.0.113.9"]),
            ip("198.51.100.1")
        );
    }

    #[test]
    fn an_untrusted_peer_cannot_forge_its_address() {
        let t = proxies(&["10.0.0.0/8"]);
        assert_eq!(
            t.client_address(ip("198.51.100.1"), ["203.0.113.9"]),
            ip("198.51.100.1")
        );
    }

    #[test]
    fn the_rightmost_untrusted_entry_is_the_client() {
        let t = proxies(&["10.0.0.0/8", "192.0.2.1"]);
        // The client put a forged entry first; the proxies appended the truth.
        assert_eq!(
            t.client_address(ip("10.0.0.2"), ["6.6.6.6, 203.0.113.9, 192.0.2.1"]),
            ip("203.0.113.9")
        );
        // Entries of repeated headers are one list, in order.
        assert_eq!(
            t.client_address(ip("10.0.0.2"), ["6.6.6.6", "203.0.113.9", "10.9.9.9"]),
            ip("203.0.113.9")
        );
        // Ports and brackets as some proxies write them.
        assert_eq!(
            t.client_address(ip("10.0.0.2"), ["[2001:db8::5]:4711"]),
            ip("2001:db8::5")
        );
        assert_eq!(
            t.client_address(ip("10.0.0.2"), ["203.0.113.9:4711"]),
            ip("203.0.113.9")
        );
        assert_eq!(
            t.client_address(ip("10.0.0.2"), ["[2001:db8::6]"]),
            ip("2001:db8::6")
        );
    }

    #[test]
    fn no_header_or_all_trusted_stops_at_the_last_address() {
        let t = proxies(&["10.0.0.0/8"]);
        assert_eq!(t.client_address(ip("10.0.0.2"), []), ip("10.0.0.2"));
        assert_eq!(
            t.client_address(ip("10.0.0.2"), ["10.0.0.3, 10.0.0.4"]),
            ip("10.0.0.3")
        );
        assert_eq!(
            t.client_address(ip("::ffff:10.0.0.2"), ["::ffff:203.0.113.9"]),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn a_malformed_entry_ends_the_walk_at_the_last_good_address() {
        let t = proxies(&["10.0.0.0/8"]);
        assert_eq!(
            t.client_address(ip("10.0.0.2"), ["203.0.113.9, unknown, 10.0.0.3"]),
            ip("10.0.0.3")
        );
        assert_eq!(
            t.client_address(ip("10.0.0.2"), ["203.0.113.9, garbage"]),
            ip("10.0.0.2")
        );
        assert_eq!(t.client_address(ip("10.0.0.2"), [""]), ip("10.0.0.2"));
        assert_eq!(
            t.client_address(ip("10.0.0.2"), ["203.0.113.9,"]),
            ip("10.0.0.2")
        );
    }

    fn any_ip() -> impl Strategy<Value = IpAddr> {
        prop_oneof![
            any::<u32>().prop_map(|v| IpAddr::from(std::net::Ipv4Addr::from(v))),
            any::<u128>().prop_map(|v| IpAddr::from(std::net::Ipv6Addr::from(v))),
        ]
    }

    proptest! {
        /// Whatever the header says, the answer is the peer or an address in it,
        /// never a trusted proxy unless everything was trusted, and an untrusted
        /// peer is always itself.
        #[test]
        fn the_walk_never_invents_an_address(
            peer in any_ip(),
            entries in proptest::collection::vec(any_ip(), 0..6),
            junk in proptest::option::of(0usize..6),
            trust_peer in any::<bool>(),
            trust_mask in any::<u8>(),
        ) {
            let mut trusted: Vec<String> = entries
                .iter()
                .enumerate()
                .filter(|(i, _)| trust_mask & (1 << i) != 0)
                .map(|(_, a)| a.to_string())
                .collect();
            if trust_peer {
                trusted.push(peer.to_string());
            }
            let t = TrustedProxies::parse(&trusted).unwrap();
            let mut texts: Vec<String> = entries.iter().map(|a| a.to_string()).collect();
            if let Some(at) = junk {
                texts.insert(at.min(texts.len()), "not-an-address".into());
            }
            let header = texts.join(", ");
            let got = t.client_address(peer, [header.as_str()]);
            let peer_c = canonical(peer);
            if !t.trusts(peer_c) {
                prop_assert_eq!(got, peer_c);
            } else if got != peer_c {
                prop_assert!(entries.iter().any(|e| canonical(*e) == got));
                // Right of the answer, every entry is a trusted proxy.
                let parsed: Vec<Option<IpAddr>> = texts.iter().map(|s| forwarded_entry(s)).collect();
                if let Some(pos) = parsed.iter().rposition(|p| *p == Some(got)) {
                    prop_assert!(parsed[pos + 1..].iter().all(|p| p.is_some_and(|a| t.trusts(a))));
                }
            }
        }
    }
}
