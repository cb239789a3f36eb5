//! [`ClusterStatus`]: where a cluster's work goes and how its replicas are, at one moment.

use std::time::Duration;

/// Where a cluster sends work now and what its reads did so far.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ClusterStatus {
    /// The primary writes go to now (its URL without the password).
    pub primary: String,
    /// Times writes moved to another primary candidate.
    pub failovers: u64,
    /// Reads that found no healthy replica and ran on the primary.
    pub fallback_reads: u64,
    /// Every replica, in the order configured.
    pub replicas: Vec<ReplicaStatus>,
}

/// One read replica.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReplicaStatus {
    /// Its URL without the password.
    pub endpoint: String,
    /// Whether it serves reads now.
    pub healthy: bool,
    /// How far behind its primary the last check found it.
    pub lag: Option<Duration>,
    /// Reads it answered.
    pub reads: u64,
    /// Why it was last taken out of rotation.
    pub last_error: Option<String>,
}
