//! [`ShardKey`]: the values a shard is chosen by, as stable bytes.

/// A value that chooses a shard. Its bytes must not change between processes or releases:
/// strings as UTF-8, integers as little-endian, UUIDs as their 16 bytes.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a shard key",
    label = "not a shard key",
    note = "shard keys: String, str, i64, i32, Uuid (or implement dal::cluster::ShardKey with bytes that never change)"
)]
pub trait ShardKey: std::fmt::Debug {
    /// The bytes the shard rule hashes or looks up.
    fn shard_bytes(&self) -> Vec<u8>;
}

impl ShardKey for str {
    fn shard_bytes(&self) -> Vec<u8> {
        self.as_bytes().to_vec()
    }
}

impl ShardKey for String {
    fn shard_bytes(&self) -> Vec<u8> {
        self.as_bytes().to_vec()
    }
}

impl<K: ShardKey + ?Sized> ShardKey for &K {
    fn shard_bytes(&self) -> Vec<u8> {
        (**self).shard_bytes()
    }
}

impl ShardKey for i64 {
    fn shard_bytes(&self) -> Vec<u8> {
        self.to_le_bytes().to_vec()
    }
}

/// The bytes of the same value as an `i64`, so widening a key's type moves no key.
impl ShardKey for i32 {
    fn shard_bytes(&self) -> Vec<u8> {
        i64::from(*self).shard_bytes()
    }
}

impl ShardKey for uuid::Uuid {
    fn shard_bytes(&self) -> Vec<u8> {
        self.as_bytes().to_vec()
    }
}
