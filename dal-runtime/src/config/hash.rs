//! The stable configuration hash that keys the pool registry.

use std::fmt;

use super::DbConfig;

/// A stable 64-bit hash of a [`DbConfig`] without its password: an id to show, not a key
/// (see [`DbConfig::hash`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConfigHash(pub u64);

impl fmt::Display for ConfigHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

/// FNV-1a: tiny, fixed and good enough to tell a handful of configurations apart.
struct Fnv(u64);

impl Fnv {
    fn field(&mut self, bytes: &[u8]) {
        for &b in bytes.iter().chain([0xff_u8].iter()) {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }

    fn opt(&mut self, v: Option<&str>) {
        match v {
            Some(s) => self.field(s.as_bytes()),
            None => self.field(&[0xfe]),
        }
    }
}

pub(super) fn of(c: &DbConfig) -> ConfigHash {
    let mut h = Fnv(0xcbf2_9ce4_8422_2325);
    h.field(c.backend.scheme().as_bytes());
    h.opt(c.host.as_deref());
    h.field(&c.port_number().unwrap_or(0).to_le_bytes());
    h.opt(c.database.as_deref());
    h.opt(c.user.as_deref());
    h.opt(c.alias.as_deref());
    h.opt(c.env.as_deref());
    for (k, v) in &c.options {
        h.field(k.as_bytes());
        h.field(v.as_bytes());
    }
    // Only when set, so the hashes of configurations without TLS options stay as they were.
    if !c.tls.is_default() {
        let tls = &c.tls;
        h.field(b"tls");
        h.field(tls.mode().libpq_name().as_bytes());
        for path in [tls.root_cert_path(), tls.client_cert_path(), tls.client_key_path()] {
            h.opt(path.map(|p| p.to_string_lossy()).as_deref());
        }
    }
    c.pool.hash_into(&mut |bytes| h.field(bytes));
    ConfigHash(h.0)
}
