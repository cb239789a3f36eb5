//! Bad configuration and unreachable servers give clear errors, without a server of our own.

use std::time::Duration;

use dal::{Database, DbConfig, ErrorKind};

#[tokio::test]
async fn malformed_url_is_a_config_error() {
    let e = Database::connect("postgres://user:pw@:5432/db").await.expect_err("no host");
    assert_eq!(e.kind(), ErrorKind::Config);
    assert_eq!(e.to_string(), "invalid postgres URL: empty host");
}

#[tokio::test]
async fn unknown_scheme_is_a_config_error() {
    let e = Database::connect("mongodb://user:pw@localhost/db").await.expect_err("unknown");
    assert_eq!(e.kind(), ErrorKind::Config);
    assert!(e.to_string().starts_with("unknown database scheme `mongodb`"), "{e}");
    assert!(!e.to_string().contains("pw"));
}

#[tokio::test]
async fn refused_connection_names_host_and_port() {
    // Port 1 on loopback: nothing listens there, so the connect is refused at once.
    let config = DbConfig::from_url("postgres://postgres:s3cret@127.0.0.1:1/test")
        .expect("url")
        .alias("refused_connection_test");
    let e = Database::connect(config).await.expect_err("refused");
    assert_eq!(e.kind(), ErrorKind::Connection, "{e}");
    assert!(e.is_retryable());
    let message = e.to_string();
    assert!(message.starts_with("cannot connect to postgres at 127.0.0.1:1: "), "{message}");
    assert!(!message.contains("s3cret"), "{message}");
}

#[tokio::test]
async fn unreachable_host_fails_with_a_timeout_naming_it() {
    // A network that swallows every packet (a proxy in blackhole mode): only dal's connect
    // timeout can end the attempt, so it ends with a Timeout error, whenever that is.
    let proxy = tests::FaultProxy::start("127.0.0.1:9").await.expect("proxy");
    proxy.blackhole();
    let config = DbConfig::from_url(&format!("mysql://root@127.0.0.1:{}/test", proxy.port()))
        .expect("url")
        .alias("unreachable_host_test")
        .connect_timeout(Duration::from_millis(500));
    // The deadline only turns a hang into a failure.
    let result = tokio::time::timeout(Duration::from_secs(60), Database::connect(config)).await;
    let e = result.expect("the connect timeout ends the attempt").expect_err("unreachable");
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
    let prefix = format!("cannot connect to mysql at 127.0.0.1:{}: ", proxy.port());
    assert!(e.to_string().starts_with(&prefix), "{e}");
}
