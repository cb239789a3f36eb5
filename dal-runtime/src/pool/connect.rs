//! Opening one connection: the driver's connect within `connect_timeout`, then what the pool
//! learns of the new session (writable, pooler-safe, encrypted, its server id).

use std::time::Instant;

use super::inner::Live;
use super::{Pool, human, probe, session};
use crate::error::{Error, ErrorKind, Result};

impl Pool {
    /// Opens a new connection within the connect timeout.
    pub(super) async fn open(&self) -> Result<Live> {
        let inner = &self.inner;
        let config = &inner.config;
        let limit = inner.options.connect_timeout;
        let backend = config.backend();
        let span = tracing::debug_span!(
            "db.connect",
            db.system = backend.scheme(),
            server.address = %config.endpoint(),
        );
        let connect = tracing::Instrument::instrument(inner.connector.connect(), span);
        match crate::rt::timeout(limit, connect).await {
            Some(Ok(mut raw)) => {
                if inner.options.read_write_only
                    && let Err(e) = probe::check_accepts_writes(&mut raw, config).await
                {
                    raw.close().await;
                    return Err(e);
                }
                let facts = &inner.session_facts;
                session::check_inlining_is_safe(&mut raw, config, &inner.options).await?;
                session::note_encryption(&mut raw, config, &inner.options, facts).await?;
                let session =
                    session::own_session_id(&mut raw, config, &inner.options, facts).await?;
                let interrupt = raw.interrupter().await?;
                inner.adopt(session);
                Ok(Live {
                    raw,
                    opened: Instant::now(),
                    session,
                    suspect: false,
                    interrupt,
                    statements: Default::default(),
                })
            }
            Some(Err(e)) => Err(e),
            None => Err(Error::new(
                ErrorKind::Timeout,
                format!(
                    "cannot connect to {backend} at {}: no answer within the connect timeout of {}",
                    config.endpoint(),
                    human(limit)
                ),
            )),
        }
    }
}
