//! Any text as an uplink endpoint: refused with a typed error, or accepted only as
//! https, or as plain http to this machine, never with user-info hiding the host.
#![no_main]

use libfuzzer_sys::fuzz_target;
use livingfilm_uplink::sender::Endpoint;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(e) = Endpoint::parse(text) {
        let uri = e.uri();
        let authority = uri.authority().expect("an accepted endpoint has a host");
        assert!(!authority.as_str().contains('@'), "user-info accepted: {text}");
        let scheme = uri.scheme_str().unwrap_or("").to_ascii_lowercase();
        if scheme != "https" {
            assert_eq!(scheme, "http", "{text}");
            let host = authority.host().trim_start_matches('[').trim_end_matches(']');
            let loopback = host.eq_ignore_ascii_case("localhost")
                || host
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.to_canonical().is_loopback());
            assert!(loopback, "plain http off this machine: {text}");
        }
    }
});
