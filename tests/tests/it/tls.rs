//! TLS against real servers with certificates of a CA the tests make (`tests::TestCa`): what
//! each mode accepts and refuses, client certificates, and that verification never falls back
//! to plaintext. The entity suite over TLS is `postgres_tls::…` and `mysql_tls::…`.

use std::time::Duration;

use dal::{Backend, Database, DbConfig, ErrorKind, Tls};
use tests::{MariaDbTlsServer, PgTlsServer};

/// Connects with `url` (a pool of its own); the pool is closed before returning.
async fn connect(url: &str) -> dal::Result<(bool, Option<bool>)> {
    let config = DbConfig::from_url(url)?.alias(tests::unique_name("tls")).max_connections(1);
    let db = Database::connect(config).await?;
    let sql = match db.backend() {
        Backend::Postgres => "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
        _ => {
            "SELECT VARIABLE_VALUE <> '' FROM information_schema.SESSION_STATUS \
              WHERE VARIABLE_NAME = 'SSL_CIPHER'"
        }
    };
    let row = db.query(sql).fetch_one().await?;
    let encrypted = match db.backend() {
        Backend::Postgres => row.get::<bool>(0)?,
        _ => row.get::<i64>(0)? == 1,
    };
    let reported = db.pool().status().encrypted;
    db.pool().close(Duration::from_secs(5)).await;
    Ok((encrypted, reported))
}

fn pg() -> Option<&'static PgTlsServer> {
    tests::shared_pg_tls()
}

fn maria() -> Option<&'static MariaDbTlsServer> {
    tests::shared_mariadb_tls()
}

fn assert_unverified(e: &dal::Error) {
    assert_eq!(e.kind(), ErrorKind::Connection, "{e}");
    assert!(e.to_string().contains("certificate could not be verified"), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_verify_full_with_the_ca_is_encrypted() {
    let Some(server) = pg() else { return };
    let ca = server.ca().ca_cert();
    let url = format!(
        "{}?sslmode=verify-full&sslrootcert={}",
        server.url("postgres", "test"),
        ca.display()
    );
    assert_eq!(connect(&url).await.expect("verifies"), (true, Some(true)));
    // The typed value does the same.
    let config = DbConfig::from_url(&server.url("postgres", "test"))
        .expect("url")
        .alias(tests::unique_name("tls_typed"))
        .tls(Tls::verify_full().root_cert(&ca));
    let db = Database::connect(config).await.expect("verifies");
    assert_eq!(db.server_info().await.expect("info").encrypted, Some(true));
    db.pool().close(Duration::from_secs(5)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_verify_full_refuses_a_wrong_name_a_wrong_ca_or_no_ca() {
    let Some(server) = pg() else { return };
    let ca = server.ca().ca_cert().display().to_string();
    let wrong_ca = server.ca().wrong_ca_cert().display().to_string();
    let by_ip = format!("postgres://postgres@127.0.0.1:{}/test", server.port());
    let by_name = server.url("postgres", "test");
    for url in [
        format!("{by_ip}?sslmode=verify-full&sslrootcert={ca}"),
        format!("{by_name}?sslmode=verify-full&sslrootcert={wrong_ca}"),
        format!("{by_name}?sslmode=verify-full"),
        format!("{by_name}?sslmode=verify-ca"),
    ] {
        let e = connect(&url).await.expect_err(&url);
        assert_unverified(&e);
    }
    // verify-ca does not check the name: the address works with the CA.
    let url = format!("{by_ip}?sslmode=verify-ca&sslrootcert={ca}");
    assert!(connect(&url).await.expect("chain verified").0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_require_reaches_the_debian_server_encrypted() {
    let url = tests::server_url(Backend::Postgres).expect("server");
    let separator = if url.contains('?') { '&' } else { '?' };
    match connect(&format!("{url}{separator}sslmode=require")).await {
        Ok(found) => assert_eq!(found, (true, Some(true)), "the snakeoil certificate, unchecked"),
        Err(e) if !tests::servers_required() && e.kind() == ErrorKind::Connection => {
            tests::announce(&format!("skipping: {e}"));
        }
        Err(e) => panic!("{e}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_plaintext_is_refused_by_a_hostssl_only_server_with_its_reason() {
    let Some(server) = pg() else { return };
    let url = format!("{}?sslmode=disable", server.url("postgres", "test"));
    let e = connect(&url).await.expect_err("hostssl only");
    assert!(e.to_string().contains("no encryption"), "the server's reason: {e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_client_certificate_is_accepted_where_required_and_its_absence_refused() {
    let Some(server) = pg() else { return };
    let ca = server.ca();
    let user = tests::PG_CERT_USER;
    let base = format!(
        "{}?sslmode=verify-full&sslrootcert={}",
        server.url(user, "test"),
        ca.ca_cert().display()
    );
    let with = format!(
        "{base}&sslcert={}&sslkey={}",
        ca.client_cert(user).display(),
        ca.client_key(user).display()
    );
    assert!(connect(&with).await.expect("certificate accepted").0);
    let e = connect(&base).await.expect_err("no certificate");
    assert!(e.to_string().contains("certificate"), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mysql_verify_identity_with_the_ca_is_encrypted() {
    let Some(server) = maria() else { return };
    let url = format!(
        "{}?ssl-mode=VERIFY_IDENTITY&ssl-ca={}",
        server.url(tests::MARIADB_SSL_USER, "test"),
        server.ca().ca_cert().display()
    );
    assert_eq!(connect(&url).await.expect("verifies"), (true, Some(true)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mysql_verification_refuses_a_wrong_name_a_wrong_ca_or_no_ca() {
    let Some(server) = maria() else { return };
    let user = tests::MARIADB_SSL_USER;
    let ca = server.ca().ca_cert().display().to_string();
    let wrong_ca = server.ca().wrong_ca_cert().display().to_string();
    let by_ip = format!("mysql://{user}@127.0.0.1:{}/test", server.port());
    let by_name = server.url(user, "test");
    for url in [
        format!("{by_ip}?ssl-mode=VERIFY_IDENTITY&ssl-ca={ca}"),
        format!("{by_name}?ssl-mode=VERIFY_IDENTITY&ssl-ca={wrong_ca}"),
        format!("{by_name}?ssl-mode=VERIFY_CA"),
    ] {
        let e = connect(&url).await.expect_err(&url);
        assert_unverified(&e);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mysql_require_ssl_user_is_refused_in_plaintext() {
    let Some(server) = maria() else { return };
    let url = format!("{}?ssl-mode=DISABLED", server.url(tests::MARIADB_SSL_USER, "test"));
    let e = connect(&url).await.expect_err("REQUIRE SSL");
    assert!(e.to_string().contains("Access denied"), "the server's reason: {e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mysql_x509_user_needs_its_client_certificate() {
    let Some(server) = maria() else { return };
    let ca = server.ca();
    let user = tests::MARIADB_X509_USER;
    let base = format!(
        "{}?ssl-mode=VERIFY_IDENTITY&ssl-ca={}",
        server.url(user, "test"),
        ca.ca_cert().display()
    );
    let with = format!(
        "{base}&ssl-cert={}&ssl-key={}",
        ca.client_cert(user).display(),
        ca.client_key(user).display()
    );
    assert!(connect(&with).await.expect("certificate accepted").0);
    let e = connect(&base).await.expect_err("REQUIRE X509 without a certificate");
    assert!(e.to_string().contains("Access denied"), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mysql_password_user_over_tls_and_a_wrong_password() {
    let Some(server) = maria() else { return };
    let ca = server.ca().ca_cert();
    let config = DbConfig::from_url(&server.url(tests::MARIADB_PASSWORD_USER, "test"))
        .expect("url")
        .tls(Tls::verify_full().root_cert(&ca))
        .alias(tests::unique_name("tls_pw"));
    let right = Database::connect(config.clone().password(tests::MARIADB_PASSWORD))
        .await
        .expect("the right password");
    let e = Database::connect(config.password("not-the-password")).await.expect_err("wrong");
    assert_eq!(e.kind(), ErrorKind::Config, "{e}");
    assert!(e.to_string().contains("Access denied"), "{e}");
    right.query("SELECT 1").fetch_one().await.expect("the right pool still works");
    right.pool().close(Duration::from_secs(5)).await;
}
