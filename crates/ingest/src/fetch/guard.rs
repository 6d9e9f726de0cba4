//! The address guard against server-side request forgery.
//!
//! A feed URL is typed by whoever subscribes, and a redirect is chosen by whoever runs the
//! server; either could point claimtrail at `127.0.0.1:6379` or a cloud metadata service and
//! read the answer back through the UI. So the check sits in the resolver that ureq connects
//! through, not in front of it: every hop of every redirect is checked, and the addresses
//! checked are the very ones connected to, which closes the gap a DNS answer that changes
//! between a check and the connect (rebinding) would otherwise leave open.

use std::collections::HashMap;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::NextTimeout;

/// Whether `ip` is an address on the public internet, the only kind claimtrail connects to
/// unless `FetchConfig::allow_private` is set.
///
/// Refused: loopback, private (RFC 1918), link-local, unspecified, multicast, broadcast,
/// carrier-grade NAT (100.64/10), the documentation and benchmarking ranges, reserved
/// 240/4, IPv6 unique-local (fc00::/7) and site-local, and any IPv6 address that embeds
/// one of those IPv4 addresses (mapped, compatible, NAT64, 6to4).
///
/// ```
/// use std::net::IpAddr;
/// use ingest::fetch::is_public_ip;
/// assert!(is_public_ip("93.184.216.34".parse::<IpAddr>().unwrap()));
/// assert!(!is_public_ip("127.0.0.1".parse::<IpAddr>().unwrap()));
/// assert!(!is_public_ip("::ffff:10.0.0.1".parse::<IpAddr>().unwrap()));
/// ```
pub fn is_public_ip(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    let refused = ip.is_unspecified()
        || a == 0 // "this network"
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_multicast()
        || ip.is_broadcast()
        || ip.is_documentation()
        || (a == 100 && (64..128).contains(&b)) // carrier-grade NAT, 100.64/10
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 198 && (b == 18 || b == 19)) // benchmarking, 198.18/15
        || a >= 240; // reserved
    !refused
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    if let Some(v4) = embedded_v4(ip) {
        return is_public_v4(v4);
    }
    let s = ip.segments();
    let refused = ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        || (s[0] & 0xfe00) == 0xfc00 // unique local, fc00::/7
        || (s[0] & 0xffc0) == 0xfe80 // link-local, fe80::/10
        || (s[0] & 0xffc0) == 0xfec0 // site-local (deprecated), fec0::/10
        || (s[0] == 0x2001 && s[1] == 0x0db8); // documentation
    !refused
}

/// The IPv4 address an IPv6 address stands for, where it stands for one: a private IPv4
/// address must not be reachable by spelling it in IPv6.
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return Some(v4);
    }
    let s = ip.segments();
    let low = |hi: u16, lo: u16| Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo));
    // IPv4-compatible (deprecated) ::a.b.c.d, but not :: and ::1 themselves.
    if s[..6].iter().all(|&x| x == 0) && !(s[6] == 0 && s[7] <= 1) {
        return Some(low(s[6], s[7]));
    }
    // NAT64, 64:ff9b::/96.
    if s[0] == 0x64 && s[1] == 0xff9b && s[2..6].iter().all(|&x| x == 0) {
        return Some(low(s[6], s[7]));
    }
    // 6to4, 2002:a.b.c.d::/48.
    if s[0] == 0x2002 {
        return Some(low(s[1], s[2]));
    }
    None
}

/// Why the resolver refused a host; travels through ureq as `ureq::Error::Other` and is
/// turned back into `Refusal::PrivateAddress` by the fetcher.
#[derive(Debug)]
pub(crate) struct PrivateAddress {
    pub host: String,
    pub ip: IpAddr,
}

impl fmt::Display for PrivateAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} resolves to non-public address {}",
            self.host, self.ip
        )
    }
}

impl std::error::Error for PrivateAddress {}

/// ureq's own resolver with the non-public addresses taken out of its answer. A host with
/// some public and some private addresses is reached through the public ones only. Names
/// in `hosts` resolve as configured and skip the guard: the operator wrote them down.
#[derive(Debug, Default)]
pub struct GuardedResolver {
    allow_private: bool,
    hosts: HashMap<String, IpAddr>,
    inner: DefaultResolver,
}

impl GuardedResolver {
    pub fn new(allow_private: bool, hosts: &[(String, IpAddr)]) -> GuardedResolver {
        GuardedResolver {
            allow_private,
            hosts: hosts
                .iter()
                .map(|(name, ip)| (name.trim_end_matches('.').to_ascii_lowercase(), *ip))
                .collect(),
            inner: DefaultResolver::default(),
        }
    }
}

impl Resolver for GuardedResolver {
    fn resolve(
        &self,
        uri: &ureq::http::Uri,
        config: &ureq::config::Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let host = uri.host().unwrap_or("");
        if let Some(ip) = self
            .hosts
            .get(&host.trim_end_matches('.').to_ascii_lowercase())
        {
            let port = uri.port_u16().unwrap_or(match uri.scheme_str() {
                Some("https") => 443,
                _ => 80,
            });
            let mut one = self.inner.empty();
            one.push(SocketAddr::new(*ip, port));
            return Ok(one);
        }
        let all = self.inner.resolve(uri, config, timeout)?;
        if self.allow_private {
            return Ok(all);
        }
        let mut public = self.inner.empty();
        let mut first_refused = None;
        for addr in all.iter() {
            if is_public_ip(addr.ip()) {
                public.push(*addr);
            } else if first_refused.is_none() {
                first_refused = Some(addr.ip());
            }
        }
        match first_refused {
            Some(ip) if public.is_empty() => Err(ureq::Error::Other(Box::new(PrivateAddress {
                host: host.to_string(),
                ip,
            }))),
            _ => Ok(public),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn public(s: &str) -> bool {
        is_public_ip(s.parse().unwrap())
    }

    #[test]
    fn refuses_every_non_public_range() {
        for s in [
            "127.0.0.1",
            "127.8.9.10",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "0.1.2.3",
            "100.64.0.1",
            "100.127.255.254",
            "224.0.0.1",
            "239.255.255.250",
            "255.255.255.255",
            "240.0.0.1",
            "192.0.2.1",
            "198.51.100.7",
            "203.0.113.9",
            "198.18.0.1",
            "192.0.0.8",
            "::",
            "::1",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "fec0::1",
            "ff02::1",
            "2001:db8::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "::10.0.0.1",
            "64:ff9b::10.0.0.1",
            "2002:c0a8:0101::1",
        ] {
            assert!(!public(s), "{s} should be refused");
        }
    }

    #[test]
    fn allows_public_addresses() {
        for s in [
            "1.1.1.1",
            "8.8.8.8",
            "93.184.216.34",
            "100.63.255.255",
            "100.128.0.1",
            "172.15.255.255",
            "172.32.0.1",
            "192.169.0.1",
            "2606:4700:4700::1111",
            "2a00:1450:4001::200e",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
        ] {
            assert!(public(s), "{s} should be allowed");
        }
    }
}
