//! Opening one connection: the driver's connect within `connect_timeout`, then what the pool
//! learns of the new session (writable, pooler-safe, encrypted, its server id).

use std::time::Instant;

use super::inner::Live;
use super::{Pool, human, probe, session};
use crate::error::{Error, ErrorKind, Result};

impl Pool {
    /// Opens a new connection and learns what the pool needs of its session, all within the
    /// connect timeout (a server or proxy that answers the handshake and then stalls cannot
    /// hold an acquire past it).
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
        let open = tracing::Instrument::instrument(self.connect_and_learn(), span);
        match crate::rt::timeout(limit, open).await {
            Some(opened) => opened,
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

    /// The driver's connect, then the questions asked of the new session (does it accept
    /// writes, may values be inlined, is it encrypted, which server session is it). The pool
    /// counts the connection only once all are answered.
    async fn connect_and_learn(&self) -> Result<Live> {
        let inner = &self.inner;
        let config = &inner.config;
        let mut raw = inner.connector.connect().await?;
        if inner.options.read_write_only
            && let Err(e) = probe::check_accepts_writes(&mut raw, config).await
        {
            raw.close().await;
            return Err(e);
        }
        let facts = &inner.session_facts;
        session::check_inlining_is_safe(&mut raw, config, &inner.options).await?;
        session::note_encryption(&mut raw, config, &inner.options, facts).await?;
        let session = session::own_session_id(&mut raw, config, &inner.options, facts).await?;
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
}
