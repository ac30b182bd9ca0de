//! Keeps `podium thumbnails` out of the machine's private network (SSRF): talk
//! records come from strangers and the command runs unattended in CI, so a
//! `thumbnail_url` (or an oEmbed answer, or a redirect) naming
//! `169.254.169.254`, `127.0.0.1` or a name that resolves to `10.0.0.5` must not
//! make podium send a request there. The check sits in the agent's resolver,
//! which ureq asks for every connection: literal IP URLs and every redirect hop
//! included, and on the address actually connected to (no re-resolution gap).

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ureq::config::Config;
use ureq::http::Uri;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::NextTimeout;

/// Whether `ip` is globally routable: not loopback, private, link-local, CGNAT,
/// unique-local, unspecified, multicast, broadcast, reserved, documentation or
/// benchmarking, nor one of those embedded in IPv6 (mapped, compatible, NAT64, 6to4).
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(a == 0 // "this network", 0.0.0.0 included
        || a == 10
        || a == 127
        || (a == 100 && (64..128).contains(&b)) // CGNAT 100.64/10
        || (a == 169 && b == 254)
        || (a == 172 && (16..32).contains(&b))
        || (a == 192 && b == 168)
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 192 && b == 0 && c == 2) // TEST-NET-1
        || (a == 198 && (18..20).contains(&b)) // benchmarking 198.18/15
        || (a == 198 && b == 51 && c == 100) // TEST-NET-2
        || (a == 203 && b == 0 && c == 113) // TEST-NET-3
        || a >= 224) // multicast 224/4, reserved 240/4, broadcast
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let s = ip.segments();
    let embedded = |hi: usize| Ipv4Addr::new((s[hi] >> 8) as u8, s[hi] as u8, (s[hi + 1] >> 8) as u8, s[hi + 1] as u8);
    if let Some(v4) = ip.to_ipv4_mapped() {
        return is_public_v4(v4);
    }
    if s[..6] == [0; 6] {
        // `::`, `::1` and the deprecated IPv4-compatible `::a.b.c.d`.
        return false;
    }
    if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return is_public_v4(embedded(6)); // NAT64
    }
    if s[0] == 0x2002 {
        return is_public_v4(embedded(1)); // 6to4
    }
    !((s[0] & 0xff00) == 0xff00 // multicast ff00::/8
        || (s[0] & 0xfe00) == 0xfc00 // unique-local fc00::/7
        || (s[0] & 0xffc0) == 0xfe80 // link-local fe80::/10
        || (s[0] & 0xffc0) == 0xfec0 // deprecated site-local fec0::/10
        || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation 2001:db8::/32
        || (s[0] == 0x0100 && s[1..4] == [0; 3])) // discard-only 100::/64
}

/// Why a host was refused; the fetcher shows it as the failure of the URL.
#[derive(Debug)]
pub struct Refused(pub String);

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "refused: {} resolves only to a private/loopback address", self.0)
    }
}

impl std::error::Error for Refused {}

/// The system resolver, keeping only public addresses ([`is_public`]); a host
/// left with none fails with [`Refused`].
#[derive(Debug, Default)]
pub struct PublicOnly {
    inner: DefaultResolver,
    /// Host names let through whatever they resolve to (tests: the first hop of
    /// a redirect to a private address).
    #[cfg(test)]
    trusted: Option<String>,
}

impl Resolver for PublicOnly {
    fn resolve(&self, uri: &Uri, config: &Config, timeout: NextTimeout) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let all = self.inner.resolve(uri, config, timeout)?;
        let host = uri.host().unwrap_or_default();
        #[cfg(test)]
        if self.trusted.as_deref() == Some(host) {
            return Ok(all);
        }
        let mut kept = self.empty();
        for addr in all.iter().filter(|a| is_public(a.ip())) {
            kept.push(*addr);
        }
        if kept.is_empty() {
            return Err(ureq::Error::Other(Box::new(Refused(host.to_string()))));
        }
        Ok(kept)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{BufRead, BufReader, Write};
    use std::net::TcpListener;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    fn public(s: &str) -> bool {
        is_public(s.parse().unwrap())
    }

    #[test]
    fn refuses_every_non_global_range() {
        for ip in [
            "0.0.0.0",
            "0.1.2.3",
            "127.0.0.1",
            "127.255.0.9",
            "10.0.0.5",
            "10.255.255.255",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "100.127.255.255",
            "192.0.0.8",
            "192.0.2.1",
            "198.51.100.7",
            "203.0.113.9",
            "198.18.0.1",
            "224.0.0.1",
            "239.255.255.250",
            "240.0.0.1",
            "255.255.255.255",
            "::",
            "::1",
            "::127.0.0.1",
            "fe80::1",
            "febf::1",
            "fc00::1",
            "fd12:3456::1",
            "fec0::1",
            "ff02::1",
            "2001:db8::1",
            "100::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "::ffff:10.0.0.5",
            "::ffff:192.168.0.1",
            "64:ff9b::a00:5",
            "2002:7f00:1::1",
            "2002:a9fe:a9fe::",
        ] {
            assert!(!public(ip), "{ip} should be refused");
        }
    }

    #[test]
    fn keeps_public_addresses_and_the_edges_of_ranges() {
        for ip in [
            "8.8.8.8",
            "1.1.1.1",
            "151.101.1.69",
            "100.63.255.255",
            "100.128.0.1",
            "172.15.255.255",
            "172.32.0.1",
            "169.253.1.1",
            "192.169.0.1",
            "11.0.0.1",
            "223.255.255.255",
            "2606:4700::1",
            "2a00:1450:4001::200e",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
            "2002:808:808::1",
            "fe00::1",
        ] {
            assert!(public(ip), "{ip} should be allowed");
        }
    }

    /// A server on 127.0.0.1 answering every request with a redirect to
    /// `location` (with the port filled in); counts requests by path.
    fn redirecting_server(location: &'static str) -> (u16, Arc<AtomicUsize>, Arc<AtomicUsize>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let (first, second) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let (f, s) = (first.clone(), second.clone());
        std::thread::spawn(move || {
            for mut stream in listener.incoming().flatten() {
                let mut line = String::new();
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let _ = reader.read_line(&mut line);
                let counter = if line.contains("/secret") { &s } else { &f };
                counter.fetch_add(1, Ordering::SeqCst);
                let to = location.replace("PORT", &port.to_string());
                let _ = write!(
                    stream,
                    "HTTP/1.1 302 Found\r\nLocation: {to}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                );
            }
        });
        (port, first, second)
    }

    fn agent(trusted: Option<&str>) -> ureq::Agent {
        let config = ureq::Agent::config_builder().max_redirects(5).build();
        let resolver = PublicOnly {
            trusted: trusted.map(str::to_string),
            ..PublicOnly::default()
        };
        ureq::Agent::with_parts(config, ureq::unversioned::transport::DefaultConnector::new(), resolver)
    }

    // The attack: a talk's thumbnail_url names a loopback address literally.
    #[test]
    fn a_literal_loopback_url_is_refused_before_any_request() {
        let (port, first, _) = redirecting_server("/elsewhere");
        let err = agent(None)
            .get(&format!("http://127.0.0.1:{port}/x.jpg"))
            .call()
            .unwrap_err();
        assert!(
            err.to_string()
                .contains("refused: 127.0.0.1 resolves only to a private/loopback address"),
            "{err}"
        );
        assert_eq!(first.load(Ordering::SeqCst), 0);
    }

    // The attack: an allowed host answers with a redirect into the private network.
    #[test]
    fn a_redirect_to_a_private_address_is_refused() {
        let (port, first, second) = redirecting_server("http://127.0.0.1:PORT/secret");
        let err = agent(Some("localhost"))
            .get(&format!("http://localhost:{port}/start"))
            .call()
            .unwrap_err();
        assert!(err.to_string().contains("refused: 127.0.0.1"), "{err}");
        assert_eq!(first.load(Ordering::SeqCst), 1, "the allowed first hop is fetched");
        assert_eq!(second.load(Ordering::SeqCst), 0, "the private hop is never requested");
    }
}
