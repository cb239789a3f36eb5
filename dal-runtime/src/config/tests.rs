use std::collections::HashMap;
use std::time::Duration;

use super::*;
use crate::ErrorKind;

#[test]
fn parses_a_full_postgres_url() {
    let c = DbConfig::from_url(
        "postgresql://app%40x:p%3Ass@db.example:6543/shop?alias=main&max_connections=7&acquire_timeout=250ms&application_name=svc",
    )
    .expect("parses");
    assert_eq!(c.backend(), Backend::Postgres);
    assert_eq!(c.host_name(), Some("db.example"));
    assert_eq!(c.port_number(), Some(6543));
    assert_eq!(c.user_name(), Some("app@x"));
    assert_eq!(c.password_secret(), Some("p:ss"));
    assert_eq!(c.database_name(), Some("shop"));
    assert_eq!(c.alias_name(), Some("main"));
    assert_eq!(c.pool().max_connections, 7);
    assert_eq!(c.pool().acquire_timeout, Duration::from_millis(250));
    assert_eq!(c.options().get("application_name").map(String::as_str), Some("svc"));
}

#[test]
fn parses_mysql_mariadb_and_sqlite_urls() {
    let m = DbConfig::from_url("mariadb://root@127.0.0.1/test").expect("parses");
    assert_eq!(m.backend(), Backend::MySql);
    assert_eq!(m.port_number(), Some(3306), "default port");
    let s = DbConfig::from_url("sqlite::memory:").expect("parses");
    assert_eq!((s.backend(), s.database_name()), (Backend::Sqlite, Some(":memory:")));
    let f = DbConfig::from_url("sqlite://data/app.db?mode=rwc").expect("parses");
    assert_eq!(f.database_name(), Some("data/app.db"));
    assert_eq!(f.options().get("mode").map(String::as_str), Some("rwc"));
}

#[test]
fn parts_and_url_give_the_same_hash() {
    let url = DbConfig::from_url("postgres://u:one@h:5432/d?alias=a").expect("parses");
    let parts = DbConfig::new(Backend::Postgres)
        .host("h")
        .port(5432)
        .database("d")
        .user("u")
        .password("two")
        .alias("a");
    assert_eq!(url.hash(), parts.hash());
    assert_ne!(url.hash(), parts.clone().alias("b").hash());
    assert_ne!(url.hash(), parts.max_connections(3).hash());
}

#[test]
fn hash_is_stable_across_processes() {
    // A fixed value: a change here re-keys every pool registry, which must be deliberate.
    let c = DbConfig::from_url("postgres://u@h:5432/d").expect("parses");
    assert_eq!(c.hash().to_string(), c.clone().hash().to_string());
    assert_eq!(c.hash(), DbConfig::from_url("postgres://u:x@h/d").expect("parses").hash());
}

#[test]
fn password_never_prints() {
    let c = DbConfig::from_url("mysql://root:hunter2@h/db").expect("parses");
    let shown = format!("{c:?} {c} {}", c.hash());
    assert!(!shown.contains("hunter2"), "{shown}");
    assert!(shown.contains("***"), "{shown}");
    assert_eq!(c.to_string(), "mysql://root@h:3306/db");
}

#[test]
fn reads_the_environment() {
    let vars: HashMap<&str, &str> = [
        ("DB_BACKEND", "postgres"),
        ("DB_HOST", "10.0.0.1"),
        ("DB_PORT", "5433"),
        ("DB_NAME", "app"),
        ("DB_USER", "svc"),
        ("DB_PASSWORD", "pw"),
        ("DB_ALIAS", "primary"),
        ("DB_ENV", "prod"),
        ("DB_MAX_CONNECTIONS", "30"),
    ]
    .into();
    let c = DbConfig::from_lookup(|k| vars.get(k).map(|v| v.to_string())).expect("parses");
    assert_eq!(c.endpoint(), "10.0.0.1:5433");
    assert_eq!((c.alias_name(), c.env_name()), (Some("primary"), Some("prod")));
    assert_eq!(c.pool().max_connections, 30);
    assert!(c.has_password());

    let url = DbConfig::from_lookup(|k| (k == "DB_URL").then(|| "sqlite::memory:".to_string()))
        .expect("parses");
    assert_eq!(url.backend(), Backend::Sqlite);
    let none = DbConfig::from_lookup(|_| None).expect_err("nothing set");
    assert!(none.to_string().contains("DB_URL"), "{none}");
}

#[test]
fn malformed_urls_are_config_errors_that_name_the_problem() {
    let cases = [
        ("postgres://u:secret@:5432/d", "invalid postgres URL: empty host"),
        ("postgres://u:secret@h:99999/d", "invalid postgres URL: invalid port number"),
        ("no-scheme-here", "no scheme"),
        ("sqlite:", "no database"),
        (
            "postgres://u:secret@h/d?max_connections=many",
            "`max_connections` must be a whole number",
        ),
        ("postgres://h/d?acquire_timeout=soon", "`acquire_timeout` must be a duration"),
    ];
    for (url, expected) in cases {
        let e = DbConfig::from_url(url).expect_err(url);
        assert_eq!(e.kind(), ErrorKind::Config, "{url}");
        assert!(e.to_string().contains(expected), "{url}: {e}");
        assert!(!e.to_string().contains("secret"), "{url}: {e}");
    }
}

#[test]
fn unknown_scheme_lists_the_known_ones() {
    let e = DbConfig::from_url("oracle://u:p@h/d").expect_err("unknown");
    assert_eq!(e.kind(), ErrorKind::Config);
    assert_eq!(
        e.to_string(),
        "unknown database scheme `oracle`: expected postgres, postgresql, mysql, mariadb or sqlite"
    );
}

#[test]
fn tls_options_parse_with_libpq_and_mysql_names() {
    let pg = DbConfig::from_url(
        "postgres://u@h/d?sslmode=verify-full&sslrootcert=/ca.pem&sslcert=/c.pem&sslkey=/k.pem",
    )
    .expect("parses");
    let tls = pg.tls_options();
    assert_eq!(tls.mode(), TlsMode::VerifyFull);
    assert_eq!(tls.root_cert_path(), Some(std::path::Path::new("/ca.pem")));
    assert_eq!(tls.client_cert_path(), Some(std::path::Path::new("/c.pem")));
    assert_eq!(tls.client_key_path(), Some(std::path::Path::new("/k.pem")));
    assert!(pg.options().is_empty(), "TLS settings are not driver options");

    let my = DbConfig::from_url(
        "mysql://u@h/d?ssl-mode=VERIFY_IDENTITY&ssl-ca=/ca.pem&ssl-cert=/c.pem&ssl-key=/k.pem",
    )
    .expect("parses");
    assert_eq!(my.tls_options(), pg.tls_options(), "one typed value behind both spellings");

    let built = DbConfig::new(Backend::Postgres)
        .host("h")
        .database("d")
        .user("u")
        .tls(Tls::verify_full().root_cert("/ca.pem").client_cert("/c.pem", "/k.pem"));
    assert_eq!(built, pg);
    for (value, mode) in [
        ("disable", TlsMode::Disable),
        ("DISABLED", TlsMode::Disable),
        ("prefer", TlsMode::Prefer),
        ("allow", TlsMode::Prefer),
        ("REQUIRED", TlsMode::Require),
        ("verify-ca", TlsMode::VerifyCa),
        ("VERIFY_CA", TlsMode::VerifyCa),
    ] {
        assert_eq!(TlsMode::parse(value), Some(mode), "{value}");
    }
}

#[test]
fn tls_defaults_to_prefer_and_a_bad_mode_names_the_option() {
    let c = DbConfig::from_url("postgres://u@h/d").expect("parses");
    assert_eq!(c.tls_options().mode(), TlsMode::Prefer);
    let e = DbConfig::from_url("postgres://u:secret@h/d?sslmode=strict").expect_err("bad mode");
    assert_eq!(e.kind(), ErrorKind::Config);
    assert!(e.to_string().contains("`sslmode` must be disable, prefer"), "{e}");
    assert!(e.to_string().contains("got `strict`"), "{e}");
}

#[test]
fn tls_settings_change_the_hash_and_their_absence_does_not() {
    let plain = DbConfig::from_url("postgres://u@h/d").expect("parses");
    let prefer = DbConfig::from_url("postgres://u@h/d?sslmode=prefer").expect("parses");
    let full = DbConfig::from_url("postgres://u@h/d?sslmode=verify-full").expect("parses");
    assert_eq!(plain.hash(), prefer.hash(), "prefer is the default");
    assert_ne!(plain.hash(), full.hash());
}

#[test]
fn the_password_is_part_of_the_identity_but_not_of_the_hash() {
    let a = DbConfig::from_url("mysql://u:one@h/d").expect("parses");
    let b = DbConfig::from_url("mysql://u:two@h/d").expect("parses");
    assert_eq!(a.hash(), b.hash());
    assert_ne!(a, b);
}

/// A file in the temp folder with `text`, removed on drop.
struct TempFile(std::path::PathBuf);

impl TempFile {
    fn new(name: &str, text: &str) -> Self {
        let path = std::env::temp_dir().join(format!(
            "dal-config-test-{}-{}-{name}",
            std::process::id(),
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::write(&path, text).expect("temp file");
        TempFile(path)
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[test]
fn certificate_file_problems_name_the_option_and_the_path_never_the_contents() {
    let key_text = "-----BEGIN PRIVATE KEY-----\nS3CRETKEYMATERIAL\n-----END PRIVATE KEY-----\n";
    let cert_text = "-----BEGIN CERTIFICATE-----\nQ0VSVA==\n-----END CERTIFICATE-----\n";
    let key = TempFile::new("key.pem", key_text);
    let cert = TempFile::new("cert.pem", cert_text);
    let missing = std::env::temp_dir().join("dal-config-test-no-such-file.pem");
    let check = |backend: Backend, tls: Tls| tls.check(backend).map_err(|e| e.to_string());

    assert_eq!(check(Backend::Postgres, Tls::verify_full().client_cert(&cert.0, &key.0)), Ok(()));
    // A key where the certificate belongs, and the other way round.
    let e = check(Backend::Postgres, Tls::require().client_cert(&key.0, &key.0)).expect_err("swap");
    assert!(
        e.starts_with(&format!("`sslcert`: {} is not a PEM certificate", key.0.display())),
        "{e}"
    );
    assert!(e.contains("it holds PRIVATE KEY"), "{e}");
    assert!(!e.contains("S3CRETKEYMATERIAL"), "{e}");
    let e = check(Backend::MySql, Tls::require().client_cert(&cert.0, &cert.0)).expect_err("swap");
    assert!(
        e.starts_with(&format!(
            "`ssl-key`: {} is not an unencrypted PEM private key",
            cert.0.display()
        )),
        "{e}"
    );
    let e = check(Backend::MySql, Tls::verify_ca().root_cert(&missing)).expect_err("missing");
    assert_eq!(e, format!("`ssl-ca`: cannot read {}: no such file", missing.display()));
    let encrypted = TempFile::new(
        "enc.pem",
        "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n",
    );
    let e = check(Backend::Postgres, Tls::require().client_cert(&cert.0, &encrypted.0))
        .expect_err("encrypted key");
    assert!(e.contains("encrypted key, which dal cannot unlock"), "{e}");
    // Half a pair, and TLS on SQLite.
    let mut half = Tls::require();
    half.set_client_cert(cert.0.clone());
    let e = check(Backend::Postgres, half).expect_err("no key");
    assert!(e.contains("`sslcert` is set without `sslkey`"), "{e}");
    let e = check(Backend::Sqlite, Tls::require()).expect_err("sqlite");
    assert!(e.contains("TLS options are for PostgreSQL and MySQL/MariaDB"), "{e}");
    assert_eq!(check(Backend::Sqlite, Tls::default()), Ok(()));
}

#[test]
fn loopback_hosts_are_recognised() {
    for (host, loopback) in [
        ("localhost", true),
        ("127.0.0.1", true),
        ("127.1.2.3", true),
        ("::1", true),
        ("/var/run/postgresql", true),
        ("db.internal", false),
        ("10.0.0.5", false),
    ] {
        let c = DbConfig::new(Backend::Postgres).host(host);
        assert_eq!(c.is_loopback(), loopback, "{host}");
    }
}
